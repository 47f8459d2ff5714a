using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>A real MQTT client speaking as a device, over TCP to the node's broker.</summary>
public sealed class TestDevice : IAsyncDisposable
{
    private readonly IMqttClient _client;
    public List<MqttApplicationMessage> Received { get; } = [];
    public string TopicRoot { get; }

    private TestDevice(IMqttClient client, string topicRoot)
    {
        _client = client;
        TopicRoot = topicRoot;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            lock (Received) Received.Add(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
                Interlocked.Increment(ref _disconnects);
            return Task.CompletedTask;
        };
    }

    private int _disconnects;

    /// <summary>How often the broker (or the network) ended this client's connection.</summary>
    public int Disconnects => Volatile.Read(ref _disconnects);

    public bool IsConnected => _client.IsConnected;

    public static async Task<TestDevice> ConnectAsync(int port, string clientId, string username, string password, string topicRoot,
        MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var (device, result) = await TryConnectAsync(port, clientId, username, password, topicRoot, version);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new InvalidOperationException($"connect failed: {result.ResultCode}");
        return device;
    }

    public static async Task<(TestDevice Device, MqttClientConnectResult Result)> TryConnectAsync(int port, string clientId, string username, string password,
        string topicRoot, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithCredentials(username, password)
            .WithProtocolVersion(version)
            .WithCleanSession(false)
            .WithSessionExpiryInterval(3600)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        var device = new TestDevice(client, topicRoot);
        try
        {
            var result = await client.ConnectAsync(options);
            return (device, result);
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e)
        {
            throw new InvalidOperationException($"connect threw: {e.Message}", e);
        }
    }

    public Task<MqttClientPublishResult> PublishAsync(string relativeTopic, string payload) =>
        PublishRawAsync($"{TopicRoot}/{relativeTopic}", Encoding.UTF8.GetBytes(payload));

    public Task<MqttClientPublishResult> PublishRawAsync(string topic, byte[] payload) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    /// <summary>An uplink with MQTT 5 user properties, such as a W3C <c>traceparent</c>.</summary>
    public Task<MqttClientPublishResult> PublishAsync(string relativeTopic, string payload, IReadOnlyDictionary<string, string> userProperties)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic($"{TopicRoot}/{relativeTopic}")
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        foreach (var (name, value) in userProperties)
            message.WithUserProperty(name, Encoding.UTF8.GetBytes(value));
        return _client.PublishAsync(message.Build());
    }

    public async Task<MqttClientSubscribeResult> SubscribeAsync(string topic) =>
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().Build())
            .Build());

    /// <summary>The control messages received so far, parsed.</summary>
    public List<JsonElement> Controls()
    {
        lock (Received)
            return Received.Where(m => m.Topic.EndsWith("/sync/ingest/control", StringComparison.Ordinal))
                .Select(m => JsonDocument.Parse(m.ConvertPayloadToString()).RootElement.Clone()).ToList();
    }

    public Task<JsonElement> WaitForControlAsync(string kind, Func<JsonElement, bool>? where = null, TimeSpan? timeout = null) =>
        Eventually.GetAsync(
            () => Task.FromResult(Controls().LastOrDefault(c => c.GetProperty("control_kind").GetString() == kind && (where?.Invoke(c) ?? true))),
            c => c.ValueKind == JsonValueKind.Object, timeout ?? TimeSpan.FromSeconds(15), $"a {kind} control");

    public Task<MqttClientPublishResult> AcknowledgeAsync(JsonElement control) =>
        PublishAsync("sync/ingest/ack", $$"""{"format_version":1,"control_id":"{{control.GetProperty("control_id").GetString()}}"}""");

    public Task ListenForControlsAsync() => SubscribeAsync($"{TopicRoot}/sync/ingest/control");

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try { await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build()); }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException) { }
        }
        _client.Dispose();
    }
}
