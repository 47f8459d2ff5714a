using EdgeSync.Lineages;

namespace EdgeSync.Silo.Mqtt;

/// <summary>What the broker learned about a connected device when it authenticated it.</summary>
public sealed record DeviceSession(DeviceIdentity Identity, string TopicRoot)
{
    private const string Key = "edgesync.device";

    public void AttachTo(System.Collections.IDictionary sessionItems) => sessionItems[Key] = this;

    public static DeviceSession? From(System.Collections.IDictionary sessionItems) => sessionItems[Key] as DeviceSession;
}
