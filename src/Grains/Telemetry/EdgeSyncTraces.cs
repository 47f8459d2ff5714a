using System.Diagnostics;

namespace EdgeSync.Telemetry;

/// <summary>
/// The activity sources of EdgeSync's own spans. Static, as activity sources are meant to be:
/// an activity is created only while a listener (the OpenTelemetry tracer, a test) samples it,
/// so with no listener the hot path pays one null check per span.
/// </summary>
public static class EdgeSyncTraces
{
    public const string IngestSourceName = "EdgeSync.Ingest";
    public const string LineagesSourceName = "EdgeSync.Lineages";

    /// <summary>Spans of a device uplink in the node: receive, validate, acknowledge.</summary>
    public static readonly ActivitySource Ingest = new(IngestSourceName);

    /// <summary>Spans of a lineage grain: its PostgreSQL transaction.</summary>
    public static readonly ActivitySource Lineages = new(LineagesSourceName);
}
