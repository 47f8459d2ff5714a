using System.Diagnostics.Metrics;
using EdgeSync.Lineages;
using EdgeSync.Telemetry;

namespace EdgeSync.Silo.Mqtt;

/// <summary>What the gateway and the broker did with device messages and connections, for Prometheus (meter <c>EdgeSync.Ingest</c>).</summary>
public sealed class IngestMetrics
{
    public const string MeterName = "EdgeSync.Ingest";

    private readonly Counter<long> _messages;
    private readonly Counter<long> _notDurable;
    private readonly Counter<long> _refusedConnections;
    private readonly Counter<long> _clusterRetries;
    private readonly Counter<long> _unknownUplinks;
    private readonly Counter<long> _rows;
    private readonly Histogram<double> _ackLatency;
    private readonly UpDownCounter<long> _devicesConnected;

    /// <summary>
    /// Bucket bounds of the acknowledgement latency, in seconds: fine steps where a healthy node
    /// answers (1 to 50 ms), coarse ones up to the 30 s a device waits before it sends again.
    /// </summary>
    public static readonly IReadOnlyList<double> AckLatencyBuckets =
        [0.0005, 0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    public IngestMetrics(IMeterFactory meters, NodeMeters own)
    {
        var meter = own.Add(meters.Create(MeterName));
        _messages = meter.CreateCounter<long>("edgesync.ingest.messages", description: "Device uplink messages by topic and outcome (accepted, duplicate, rejected) and rejection code");
        _notDurable = meter.CreateCounter<long>("edgesync.ingest.not_durable", description: "Messages left unacknowledged because they could not be made durable");
        _refusedConnections = meter.CreateCounter<long>("edgesync.mqtt.refused_connections",
            description: "MQTT connections refused (bad credentials, foreign client id, throttled) or closed for a packet over the size limit, by reason");
        _clusterRetries = meter.CreateCounter<long>("edgesync.ingest.cluster_retries",
            description: "Grain calls of uplinks tried again, with the acknowledgement held, because a node died or the cluster was changing");
        _unknownUplinks = meter.CreateCounter<long>("edgesync.mqtt.unknown_uplinks",
            description: "Uplinks an external broker delivered on the topic of no registered device: acknowledged and dropped, by uplink");
        _rows = meter.CreateCounter<long>("edgesync.ingest.rows", unit: "{row}",
            description: "Rows of accepted uplinks by outcome: staged (written) or skipped (duplicates the lineage had kept before)");
        _ackLatency = meter.CreateHistogram<double>("edgesync.ingest.ack_latency", unit: "s",
            description: "From the MQTT receipt of an uplink to its acknowledgement (PUBACK), by uplink and result (accepted, rejected, not_durable)",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AckLatencyBuckets });
        _devicesConnected = meter.CreateUpDownCounter<long>("edgesync.mqtt.devices_connected", unit: "{device}",
            description: "Devices with a live MQTT connection to this node's embedded broker");
    }

    public void Record(string uplink, IngestOutcome outcome)
    {
        _messages.Add(1,
            new KeyValuePair<string, object?>("uplink", uplink),
            new KeyValuePair<string, object?>("outcome", outcome.Status.ToString().ToLowerInvariant()),
            new KeyValuePair<string, object?>("code", outcome.Rejection?.Code ?? ""));
        if (outcome.RowsStaged > 0)
            _rows.Add(outcome.RowsStaged, new KeyValuePair<string, object?>("outcome", "staged"));
        if (outcome.RowsSkipped > 0)
            _rows.Add(outcome.RowsSkipped, new KeyValuePair<string, object?>("outcome", "skipped"));
    }

    /// <summary>The time from <paramref name="receivedAt"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp) to now, when the acknowledgement goes out.</summary>
    public void RecordAcknowledged(string uplink, string result, long receivedAt) =>
        _ackLatency.Record(System.Diagnostics.Stopwatch.GetElapsedTime(receivedAt).TotalSeconds,
            new KeyValuePair<string, object?>("uplink", uplink), new KeyValuePair<string, object?>("result", result));

    public void DeviceConnected() => _devicesConnected.Add(1);

    public void DeviceDisconnected() => _devicesConnected.Add(-1);

    public void RecordRefusedConnection(string reason) => _refusedConnections.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecordClusterRetry() => _clusterRetries.Add(1);
    public void RecordUnknownUplink(string uplink) => _unknownUplinks.Add(1, new KeyValuePair<string, object?>("uplink", uplink));

    public void RecordNotDurable(string uplink) => _notDurable.Add(1, new KeyValuePair<string, object?>("uplink", uplink));
}
