using System.Diagnostics.Metrics;
using EdgeSync.Lineages;
using EdgeSync.Telemetry;

namespace EdgeSync.Silo.Mqtt;

/// <summary>What the gateway and the broker did with device messages and connections, for Prometheus (meter <c>EdgeSync.Ingest</c>).</summary>
public sealed class IngestMetrics
{
    public const string MeterName = "EdgeSync.Ingest";

    private readonly Counter<long> _messages;
    private readonly Counter<long> _rowsStaged;
    private readonly Counter<long> _rowsSkipped;
    private readonly Counter<long> _notDurable;
    private readonly Counter<long> _refusedConnections;
    private readonly Counter<long> _clusterRetries;
    private readonly Counter<long> _unknownUplinks;

    public IngestMetrics(IMeterFactory meters, NodeMeters own)
    {
        var meter = own.Add(meters.Create(MeterName));
        _messages = meter.CreateCounter<long>("edgesync.ingest.messages", description: "Device uplink messages by topic and outcome (accepted, duplicate, rejected) and rejection code");
        _rowsStaged = meter.CreateCounter<long>("edgesync.ingest.rows_staged", description: "Rows written to staging");
        _rowsSkipped = meter.CreateCounter<long>("edgesync.ingest.rows_skipped", description: "Rows skipped as duplicates: the lineage had kept them before");
        _notDurable = meter.CreateCounter<long>("edgesync.ingest.not_durable", description: "Messages left unacknowledged because they could not be made durable");
        _refusedConnections = meter.CreateCounter<long>("edgesync.mqtt.refused_connections",
            description: "MQTT connections refused (bad credentials, foreign client id, throttled) or closed for a packet over the size limit, by reason");
        _clusterRetries = meter.CreateCounter<long>("edgesync.ingest.cluster_retries",
            description: "Grain calls of uplinks tried again, with the acknowledgement held, because a node died or the cluster was changing");
        _unknownUplinks = meter.CreateCounter<long>("edgesync.mqtt.unknown_uplinks",
            description: "Uplinks an external broker delivered on the topic of no registered device: acknowledged and dropped, by uplink");
    }

    public void Record(string uplink, IngestOutcome outcome)
    {
        _messages.Add(1,
            new KeyValuePair<string, object?>("uplink", uplink),
            new KeyValuePair<string, object?>("outcome", outcome.Status.ToString().ToLowerInvariant()),
            new KeyValuePair<string, object?>("code", outcome.Rejection?.Code ?? ""));
        _rowsStaged.Add(outcome.RowsStaged);
        _rowsSkipped.Add(outcome.RowsSkipped);
    }

    public void RecordRefusedConnection(string reason) => _refusedConnections.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecordClusterRetry() => _clusterRetries.Add(1);
    public void RecordUnknownUplink(string uplink) => _unknownUplinks.Add(1, new KeyValuePair<string, object?>("uplink", uplink));

    public void RecordNotDurable(string uplink) => _notDurable.Add(1, new KeyValuePair<string, object?>("uplink", uplink));
}
