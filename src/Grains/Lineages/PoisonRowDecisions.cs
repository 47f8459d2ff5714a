using EdgeSync.Registry;
using EdgeSync.Storage;

namespace EdgeSync.Lineages;

/// <summary>Rows of one journal epoch the policy set aside, with the error the first of them met.</summary>
public sealed record SetAside(Guid JournalEpoch, IReadOnlyList<long> CommitSeqs, long Bytes, string Error);

/// <summary>
/// Pure decisions on rows no mirror can take (docs/lineage.md, "Poison rows"): an operator's
/// discard and requeue, and the policy setting failing rows aside. The rows have been moved by
/// the time these decide; what moved is their input, so a repeat that moved nothing records nothing.
/// </summary>
public static class PoisonRowDecisions
{
    /// <summary>
    /// Staged rows went to the quarantine. Nothing else changes: a tripped breaker still needs its
    /// reset. When nothing blocks writes and rows remain with no replay under way, a replay drains
    /// them; a backpressure pause the discard brought below its threshold ends.
    /// </summary>
    public static Decision Discard(Lineage state, DiscardStagedRows command, IReadOnlyList<MovedRow> moved, EdgePolicy policy, Guid replayId, Guid controlId, DateTimeOffset now)
    {
        if (moved.Count == 0)
            return Decision.Nothing;
        var bytes = moved.Sum(r => (long)r.Bytes);
        var events = new List<LineageEvent>
        {
            new StagedRowsDiscarded(state.Id, command.JournalEpoch, moved.Select(r => r.SourceCommitSeq).Order().ToList(), moved.Count, bytes,
                command.Reason, state.LastMaterializationError, now, command.Actor),
        };
        var rows = Math.Max(0, state.Counters.StagedRowCount - moved.Count);
        if (state.PauseReasons.Contains(PauseReason.Backpressure) && FlowControl.BelowResumeThreshold(policy, rows, Math.Max(0, state.Counters.StagedBytes - bytes)))
            events.AddRange(FlowControl.Resume(state, PauseReason.Backpressure, controlId, now, command.Actor));
        if (rows > 0 && !state.IsWriteBlocked && !state.IsReplaying && state.Mirror is not null)
            events.Add(new ReplayStarted(state.Id, replayId, "discard", rows, now, command.Actor));
        return new Decision(events);
    }

    /// <summary>Quarantined rows are staged again and drained by a replay like any backlog (one starts when nothing blocks it).</summary>
    public static Decision Requeue(Lineage state, RequeueQuarantinedRows command, IReadOnlyList<MovedRow> moved, Guid replayId, DateTimeOffset now)
    {
        if (moved.Count == 0)
            return Decision.Nothing;
        var events = new List<LineageEvent>
        {
            new QuarantinedRowsRequeued(state.Id, command.JournalEpoch, moved.Select(r => r.SourceCommitSeq).Order().ToList(), moved.Count,
                moved.Sum(r => (long)r.Bytes), now, command.Actor),
        };
        if (!state.IsWriteBlocked && !state.IsReplaying && state.Mirror is not null)
            events.Add(new ReplayStarted(state.Id, replayId, "requeue", state.Counters.StagedRowCount + moved.Count, now, command.Actor));
        return new Decision(events);
    }

    /// <summary>
    /// A live batch was written without the rows the policy set aside: the batch counts as
    /// materialized with the rest, and the set-aside rows are recorded. No failure is counted and
    /// the lineage stays as it was.
    /// </summary>
    public static Decision SetAsideLive(Decision decision, SetAside setAside, DateTimeOffset now)
    {
        var written = decision.Events.OfType<BatchMaterialized>().Single();
        var events = decision.Events
            .Select(e => e == written ? written with { RowsApplied = written.RowsApplied - setAside.CommitSeqs.Count } : e)
            .Append(Quarantined(written.LineageId, written.BatchId, setAside, fromStaging: false, now))
            .ToList();
        return decision with { Events = events };
    }

    /// <summary>The event of rows the policy set aside.</summary>
    public static RowsQuarantined Quarantined(Guid lineageId, Guid? batchId, SetAside setAside, bool fromStaging, DateTimeOffset now) =>
        new(lineageId, batchId, setAside.JournalEpoch, setAside.CommitSeqs, setAside.CommitSeqs.Count, setAside.Bytes, fromStaging, setAside.Error, now, "system");
}
