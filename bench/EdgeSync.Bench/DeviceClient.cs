using System.Diagnostics;
using EdgeSync.Wire;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSync.Bench;

/// <summary>
/// One device: an MQTT 5 client with a persistent session (client id = device name), subscribed
/// to its control topic as an agent is, publishing row batches at QoS 1.
/// </summary>
public sealed class DeviceClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly string _batchTopic;
    private int _controlsReceived;

    public DeviceCredentials Credentials { get; }
    public int ControlsReceived => Volatile.Read(ref _controlsReceived);

    private DeviceClient(IMqttClient client, DeviceCredentials credentials, string uplink)
    {
        _client = client;
        Credentials = credentials;
        _batchTopic = DeviceTopics.Under(credentials.TopicRoot, uplink);
        _client.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref _controlsReceived);
            return Task.CompletedTask;
        };
    }

    /// <param name="uplink">The topic its batches go to: row batches, or <c>sync/telemetry/batch</c>.</param>
    public static async Task<DeviceClient> ConnectAsync(int port, DeviceCredentials credentials, string uplink = DeviceTopics.RowBatch)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(credentials.Username)
            .WithCredentials(credentials.Username, credentials.Secret)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanSession(false)
            .WithSessionExpiryInterval(3600)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(300)) // also the PUBACK wait: a loaded 2-core box can be slow
            .Build();
        var result = await client.ConnectAsync(options);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new InvalidOperationException($"device {credentials.Name}: connect refused ({result.ResultCode})");
        var device = new DeviceClient(client, credentials, uplink);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(DeviceTopics.ControlTopic(credentials.TopicRoot)).WithAtLeastOnceQoS().Build())
            .Build());
        return device;
    }

    /// <summary>Publishes one batch at QoS 1 and returns the PUBACK latency; a refused batch throws.</summary>
    public async Task<TimeSpan> PublishAsync(byte[] payload, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(_batchTopic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var started = Stopwatch.GetTimestamp();
        var result = await _client.PublishAsync(message, ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (result.ReasonCode != MqttClientPublishReasonCode.Success)
            throw new InvalidOperationException($"device {Credentials.Name}: PUBACK {result.ReasonCode} {result.ReasonString}");
        return elapsed;
    }

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
