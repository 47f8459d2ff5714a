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

    /// <summary>The five device → cloud topics, relative to a device's root.</summary>
    public static IReadOnlyList<string> Uplinks { get; } = [RowBatch, TelemetryBatch, SchemaObserve, IngestAck, IngestRequest];

    private static readonly HashSet<string> UplinkSet = [.. Uplinks];

    /// <summary>The full topic of <paramref name="relative"/> (one of the constants) under a device's root.</summary>
    public static string Under(string root, string relative) => $"{root}/{relative}";

    /// <summary>The uplink a device may publish on this topic, or null when the ACL forbids it.</summary>
    public static string? UplinkOf(string root, string topic) =>
        topic.Length > root.Length + 1 && topic.StartsWith(root, StringComparison.Ordinal) && topic[root.Length] == '/'
            && UplinkSet.Contains(topic[(root.Length + 1)..])
            ? topic[(root.Length + 1)..]
            : null;

    public static string ControlTopic(string root) => Under(root, Control);

    /// <summary>
    /// The device root (its first two levels: topic slug, which may be empty, and device name) and
    /// the uplink of a topic, or null when the topic is no uplink of any device. For a broker that
    /// routes every device's uplinks to the node, where the topic is all there is to tell the device.
    /// </summary>
    public static (string Root, string Uplink)? SplitUplink(string topic)
    {
        var slugEnd = topic.IndexOf('/');
        var nameEnd = slugEnd < 0 ? -1 : topic.IndexOf('/', slugEnd + 1);
        if (nameEnd <= slugEnd + 1)
            return null;
        var uplink = topic[(nameEnd + 1)..];
        return UplinkSet.Contains(uplink) ? (topic[..nameEnd], uplink) : null;
    }
}
