using EdgeSync.Registry;
using EdgeSync.Uploads;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>A finalized bootstrap snapshot as the lineage grain decides on it; ids are made by the caller.</summary>
public sealed record ReceiveSnapshot(
    Guid NewReviewId, Guid NewReplayId, DeviceIdentity Device, Guid UploadId, Guid BatchId, SnapshotHeader Header, EdgePolicy Policy)
{
    /// <summary>Set when the project's registry decided the snapshot's schema (its mirror is provisioned already).</summary>
    public RegistryAcceptance? Registry { get; init; }

    /// <summary>The snapshot's schema as a batch of no rows would carry it, for the decisions a batch's new hash goes through.</summary>
    public IngestRows AsBatch(Lineage state, SchemaFingerprint? columns) =>
        new(state.Id, NewReviewId, NewReplayId, Guid.Empty, Device,
            new RowBatch(BatchId, Header.JournalEpoch, state.SourceTable, Header.SchemaHash, columns, Header.CommitSeq, Header.CommitSeq, [], 0),
            Policy with { AllowAdditiveContinue = false })
        { Registry = Registry };
}

/// <summary>Pure decisions on bootstrap snapshots (docs/lineage.md, "Bootstrap snapshots").</summary>
public static class SnapshotDecisions
{
    /// <summary>Why the lineage cannot take the snapshot, or null.</summary>
    public static string? Refusal(Lineage state, SnapshotHeader header)
    {
        if (header.SnapshotOf != state.SourceTable)
            return "the snapshot's snapshot_of is not the table the upload was granted for.";
        if (state.FindSchema(header.SchemaHash)?.Columns is null)
            return $"the lineage does not know the columns of schema {header.SchemaHash}: publish sync/schema/observe with schema_columns for it before asking for the URL.";
        if (state.Watermark is { } mark && EpochOrder.Compare(header.JournalEpoch, mark.JournalEpoch) < 0)
            return $"the snapshot is of journal epoch {header.JournalEpoch}, older than the lineage's {mark.JournalEpoch}.";
        return null;
    }

    /// <summary>
    /// The snapshot joins the backlog. Its schema is decided as a batch's would be (a hash the
    /// project's registry decided is accepted with the decision's bindings; another hash the lineage
    /// has not accepted queues a review and waits); when the lineage can write and no replay runs, a
    /// replay starts and applies it.
    /// </summary>
    public static Decision Receive(Lineage state, ReceiveSnapshot command, DateTimeOffset now)
    {
        var header = command.Header;
        var actor = $"device:{command.Device.DeviceName}";
        var events = new List<LineageEvent>();
        var known = state.FindSchema(header.SchemaHash)!;
        var pausedForReview = state.PauseReasons.Contains(PauseReason.SchemaReview);
        var accepted = state.AcceptedSchemaHash == header.SchemaHash;
        if (!accepted && command.Registry is { } registry && registry.SchemaHash == header.SchemaHash && !known.Rejected)
            (pausedForReview, accepted) = LineageDecider.AcceptByRegistry(state, command.AsBatch(state, known.Columns), registry, state.Id, observed: true,
                pausedForReview, now, events);
        else if (!accepted && state.OpenReview?.SchemaHash != header.SchemaHash && !known.Rejected)
            // No additive evolution here: that changes the mirror, which only a batch's effects do.
            (pausedForReview, accepted) = LineageDecider.DecideNewSchema(state, command.AsBatch(state, known.Columns), state.Id, known.Columns, observed: true,
                pausedForReview, actor, now, events);
        events.Add(new SnapshotReceived(state.Id, command.UploadId, command.BatchId, header.JournalEpoch, header.CommitSeq, header.SchemaHash, header.RowCount, now, actor));
        var blocked = pausedForReview || state.PauseReasons.Any(r => r is PauseReason.CircuitBreaker or PauseReason.Operator);
        var hasMirror = state.Mirror is not null || events.OfType<MirrorProvisioned>().Any();
        if (accepted && !blocked && hasMirror && !state.IsReplaying && !events.OfType<ReplayStarted>().Any())
            events.Add(new ReplayStarted(state.Id, command.NewReplayId, "bootstrap_snapshot", state.Counters.StagedRowCount + state.PendingSnapshotRows + header.RowCount,
                now, ReplayDecisions.Actor));
        return new Decision(events);
    }

    /// <summary>A chunk of the snapshot was written: progress, or the end of it.</summary>
    public static Decision ChunkApplied(Lineage state, PendingSnapshot snapshot, int chunkRows, bool last, DateTimeOffset now) =>
        new([last
            ? new SnapshotApplied(state.Id, snapshot.UploadId, snapshot.RowsApplied + chunkRows, now, ReplayDecisions.Actor)
            : new SnapshotProgressed(state.Id, snapshot.UploadId, snapshot.RowsApplied + chunkRows, chunkRows, now, ReplayDecisions.Actor)]);
}
