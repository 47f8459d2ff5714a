using EdgeSync.Tests.Infrastructure;
using MQTTnet.Formatter;

namespace EdgeSync.Tests.ExternalBroker;

/// <summary>A node in external broker mode against a Mosquitto of its own with dynamic security.</summary>
public sealed class ExternalBrokerFixture : IAsyncLifetime
{
    private SecuredMosquitto? _broker;

    public SecuredMosquitto Broker => _broker ?? throw new InvalidOperationException("not started");

    public NodeFixture Node { get; } = new();

    public async Task InitializeAsync()
    {
        _broker = await SecuredMosquitto.StartAsync();
        foreach (var (key, value) in Broker.NodeSettings("node-1"))
            Node.Settings[key] = value;
        await Node.InitializeAsync();
        // Until the node subscribes, the broker would drop what devices publish (no subscriber yet).
        await Broker.WaitForUplinkSubscriberAsync(NodeClientId);
    }

    /// <summary>The node's uplink session at the broker.</summary>
    public string NodeClientId => $"edgesync-{Node.ClusterId}-node-1";

    /// <summary>The device connects to the broker, as a device in the field would.</summary>
    public Task<TestDevice> ConnectAsync(RegisteredDevice device, string? secret = null, MqttProtocolVersion version = MqttProtocolVersion.V500) =>
        TestDevice.ConnectAsync(Broker.Port, device.Username, device.Username, secret ?? device.Secret, device.TopicRoot, version);

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        if (_broker is not null)
            await _broker.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ExternalBrokerCollection : ICollectionFixture<ExternalBrokerFixture>
{
    public const string Name = "external broker";
}
