using EdgeSync.Storage;

namespace EdgeSync.Silo.Mqtt;

/// <summary>A pending control to publish now, and the topic root of the device it is for.</summary>
public sealed record DueControl(PendingControl Control, string TopicRoot);
