using System.Text;
using System.Text.Json;
using EdgeSync.Wire;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSync.Bench;

/// <summary>A device of the upload benchmarks: publishes on any of its uplinks and answers url_grant controls.</summary>
public sealed class UploadDevice : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly DeviceCredentials _credentials;
    private readonly List<JsonElement> _grants = [];

    private UploadDevice(IMqttClient client, DeviceCredentials credentials) => (_client, _credentials) = (client, credentials);

    public static async Task<UploadDevice> ConnectAsync(int port, DeviceCredentials credentials)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var device = new UploadDevice(client, credentials);
        client.ApplicationMessageReceivedAsync += e =>
        {
            using var control = JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString());
            if (control.RootElement.GetProperty("control_kind").GetString() == ControlMessage.UrlGrant)
                lock (device._grants)
                    device._grants.Add(control.RootElement.Clone());
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(credentials.Username)
            .WithCredentials(credentials.Username, credentials.Secret)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(300))
            .Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(DeviceTopics.ControlTopic(credentials.TopicRoot)).WithAtLeastOnceQoS().Build())
            .Build());
        return device;
    }

    public async Task PublishAsync(string uplink, string payload, CancellationToken ct)
    {
        var result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.Under(_credentials.TopicRoot, uplink))
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), ct);
        if (result.ReasonCode != MqttClientPublishReasonCode.Success)
            throw new InvalidOperationException($"{uplink}: PUBACK {result.ReasonCode} {result.ReasonString}");
    }

    /// <summary>Asks for an upload URL and waits for its grant (acknowledged): the upload id and URL.</summary>
    public async Task<(Guid UploadId, string Url)> RequestUploadAsync(string table, string kind, CancellationToken ct)
    {
        int before;
        lock (_grants)
            before = _grants.Count;
        await PublishAsync(DeviceTopics.IngestRequest,
            $$"""{"format_version":1,"request_kind":"url_request","source_table":"{{table}}","segment_kind":"{{kind}}"}""", ct);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            JsonElement? grant = null;
            lock (_grants)
                if (_grants.Count > before)
                    grant = _grants[^1];
            if (grant is { } g)
            {
                await PublishAsync(DeviceTopics.IngestAck, Encoding.UTF8.GetString(ControlAck.Write(g.GetProperty("control_id").GetString()!)), ct);
                return (Guid.Parse(g.GetProperty("upload_id").GetString()!), g.GetProperty("presigned_url").GetString()!);
            }
            await Task.Delay(50, ct);
        }
        throw new TimeoutException("no url_grant within 60 s");
    }

    public Task FinalizeAsync(string table, string kind, Guid uploadId, Guid batchId, CancellationToken ct) =>
        PublishAsync(DeviceTopics.IngestRequest,
            $$"""{"format_version":1,"request_kind":"finalize","source_table":"{{table}}","segment_kind":"{{kind}}","upload_id":"{{uploadId}}","batch_id":"{{batchId}}"}""", ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }
        catch (Exception) { /* the node may be gone already */ }
        _client.Dispose();
    }
}
