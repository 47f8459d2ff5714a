using EdgeSync.Registry;

namespace EdgeSync.Lineages;

/// <summary>One drained chunk of the staged backlog, as written to the mirror.</summary>
public sealed record ReplayChunk(int Rows, long Bytes, Guid LastJournalEpoch, long LastCommitSeq);

/// <summary>Pure decisions of the replay that drains a lineage's staged backlog into its mirror.</summary>
public static class ReplayDecisions
{
    public const string Actor = "system";

    /// <summary>
    /// A chunk was drained: <paramref name="chunk"/> counts the rows written; <paramref name="setAside"/>
    /// the rows of the chunk the policy set aside in the quarantine instead (recorded first).
    /// </summary>
    public static Decision ChunkApplied(Lineage state, ReplayChunk chunk, EdgePolicy policy, Guid controlId, DateTimeOffset now, IReadOnlyList<SetAside>? setAside = null)
    {
        var replay = state.Replay!;
        var events = new List<LineageEvent>();
        foreach (var group in setAside ?? [])
            events.Add(PoisonRowDecisions.Quarantined(state.Id, null, group, fromStaging: true, now));
        events.Add(new ReplayProgressed(state.Id, replay.ReplayId, chunk.Rows, chunk.Bytes, chunk.LastJournalEpoch, chunk.LastCommitSeq, now, Actor));
        var quarantinedRows = setAside?.Sum(g => g.CommitSeqs.Count) ?? 0;
        var quarantinedBytes = setAside?.Sum(g => g.Bytes) ?? 0;
        var rows = state.Counters.StagedRowCount - chunk.Rows - quarantinedRows;
        if (rows <= 0)
            events.Add(new ReplayCompleted(state.Id, replay.ReplayId, replay.RowsReplayed + chunk.Rows, now, Actor));
        if (FlowControl.BelowResumeThreshold(policy, rows, state.Counters.StagedBytes - chunk.Bytes - quarantinedBytes))
            events.AddRange(FlowControl.Resume(state, PauseReason.Backpressure, controlId, now, Actor));
        return new Decision(events);
    }

    /// <summary>Nothing is left to drain (the backlog was emptied by a chunk that already completed).</summary>
    public static Decision NothingLeft(Lineage state, DateTimeOffset now) =>
        new([new ReplayCompleted(state.Id, state.Replay!.ReplayId, state.Replay.RowsReplayed, now, Actor)]);

    /// <summary>Every failed attempt of a permanent kind counts towards the circuit breaker; transient ones do not.</summary>
    public static Decision ChunkFailed(Lineage state, string error, EdgePolicy policy, Guid controlId, DateTimeOffset now)
    {
        var failures = state.ConsecutiveFailures + 1;
        var events = new List<LineageEvent>
        {
            new ReplayFailed(state.Id, state.Replay!.ReplayId, error, Permanent: true, now, Actor),
            new MaterializationFailed(state.Id, null, error, Permanent: true, failures, now, Actor),
        };
        events.AddRange(CircuitBreaker.Trip(state, failures, error, policy, state.ServerWatermark, controlId, now));
        return new Decision(events);
    }

    /// <summary>A chunk failed in a way that says nothing about the rows (a lost connection, an unexpected error): recorded, not counted by the breaker.</summary>
    public static Decision ChunkErrored(Lineage state, string error, DateTimeOffset now) =>
        new([new ReplayFailed(state.Id, state.Replay!.ReplayId, error, Permanent: false, now, Actor)]);

    /// <summary>
    /// The watchdog's decision on a backlog nothing blocks: a replay without progress since
    /// <paramref name="stalledAfter"/> ago is restarted; a backlog without any replay gets one.
    /// </summary>
    public static Decision Stalled(Lineage state, TimeSpan stalledAfter, Guid replayId, DateTimeOffset now)
    {
        if (!state.HasStagedBacklog || state.IsWriteBlocked || state.Mirror is null)
            return Decision.Nothing;
        if (!state.IsReplaying)
            return now - state.UpdatedAt < stalledAfter
                ? Decision.Nothing
                : new([new ReplayStarted(state.Id, replayId, "watchdog", state.Counters.StagedRowCount, now, Actor)]);
        var since = state.Replay!.LastProgressAt ?? state.Replay.UpdatedAt;
        return now - since < stalledAfter
            ? Decision.Nothing
            : new([new ReplayRestarted(state.Id, state.Replay.ReplayId, since, now, Actor)]);
    }
}
