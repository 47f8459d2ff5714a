using EdgeSync.Lineages;

namespace EdgeSync.Silo.Mqtt;

/// <summary>What the broker learned about a connected device when it authenticated it.</summary>
public sealed record DeviceSession(DeviceIdentity Identity, string TopicRoot)
{
    private const string Key = "edgesync.device";

    /// <summary>The device's MQTT client id: its username, which is its topic root.</summary>
    public string ClientId => TopicRoot;

    public void AttachTo(System.Collections.IDictionary sessionItems) => sessionItems[Key] = this;

    public static DeviceSession? From(System.Collections.IDictionary sessionItems) => sessionItems[Key] as DeviceSession;
}
