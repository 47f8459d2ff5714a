using System.Diagnostics.Metrics;
using EdgeSync.Telemetry;

namespace EdgeSync.Lineages;

/// <summary>What lineage grains had to recover from, for Prometheus (meter <c>EdgeSync.Lineages</c>).</summary>
public sealed class LineageMetrics
{
    public const string MeterName = "EdgeSync.Lineages";

    private readonly Counter<long> _unknownCommits;
    private readonly Counter<long> _replayErrors;
    private readonly Counter<long> _replayStalls;
    private readonly Counter<long> _rowsQuarantined;

    public LineageMetrics(IMeterFactory meters, NodeMeters own)
    {
        var meter = own.Add(meters.Create(MeterName));
        _unknownCommits = meter.CreateCounter<long>("edgesync.lineage.commit_outcome_unknown",
            description: "Commits whose answer was lost, by whether the reloaded stream showed them applied");
        _replayErrors = meter.CreateCounter<long>("edgesync.lineage.replay_errors", description: "Replay chunks that failed, by kind");
        _replayStalls = meter.CreateCounter<long>("edgesync.lineage.replay_stalls", description: "Replays the watchdog found without progress and restarted");
        _rowsQuarantined = meter.CreateCounter<long>("edgesync.rows_quarantined",
            description: "Rows the on_permanent_row_error policy set aside in the quarantine, by where they came from (live or replay)");
    }

    public void UnknownCommit(bool applied) => _unknownCommits.Add(1, new KeyValuePair<string, object?>("applied", applied));

    public void ReplayError(string kind) => _replayErrors.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void ReplayStall() => _replayStalls.Add(1);

    public void RowsQuarantined(int rows, string source) => _rowsQuarantined.Add(rows, new KeyValuePair<string, object?>("source", source));
}
