namespace EdgeSync.Wire;

/// <summary>The topic layout of docs/device-protocol.md: everything a device may touch lives under its own root.</summary>
public static class DeviceTopics
{
    public const string RowBatch = "sync/rows/batch";
    public const string TelemetryBatch = "sync/telemetry/batch";
    public const string SchemaObserve = "sync/schema/observe";
    public const string IngestAck = "sync/ingest/ack";
    public const string IngestRequest = "sync/ingest/request";
    public const string Control = "sync/ingest/control";

    private static readonly HashSet<string> Uplinks = [RowBatch, TelemetryBatch, SchemaObserve, IngestAck, IngestRequest];

    /// <summary>The full topic of <paramref name="relative"/> (one of the constants) under a device's root.</summary>
    public static string Under(string root, string relative) => $"{root}/{relative}";

    /// <summary>The uplink a device may publish on this topic, or null when the ACL forbids it.</summary>
    public static string? UplinkOf(string root, string topic) =>
        topic.Length > root.Length + 1 && topic.StartsWith(root, StringComparison.Ordinal) && topic[root.Length] == '/'
            && Uplinks.Contains(topic[(root.Length + 1)..])
            ? topic[(root.Length + 1)..]
            : null;

    public static string ControlTopic(string root) => Under(root, Control);
}
