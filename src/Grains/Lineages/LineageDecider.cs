using EdgeSync.Mirrors;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// Pure decisions of a lineage on a device's messages: (state, command, time) → a
/// <see cref="Decision"/>. The grain performs the effects the decision carries and appends its events.
/// </summary>
public static class LineageDecider
{
    public static Decision Decide(Lineage? state, IngestRows command, DateTimeOffset now)
    {
        var batch = command.Batch;
        var actor = $"device:{command.Device.DeviceName}";
        var lineageId = state?.Id ?? command.NewLineageId;
        var events = new List<LineageEvent>();

        if (state is null)
            events.Add(new LineageCreated(lineageId, command.Device.ProjectId, command.Device.DeviceId, command.Device.DeviceName, batch.SourceTable, now, actor,
                command.Telemetry is null ? null : WireLimits.TelemetryBatchCaptureStrategy, command.Telemetry?.TimestampColumn));

        var known = state?.FindSchema(batch.SchemaHash);
        // Rows of a batch that carries its columns were checked against them when it was read.
        var columnsToCheck = batch.SchemaColumns is null ? known?.Columns : null;
        if ((TelemetryDecisions.Check(state, command) ?? RowShape.Check(columnsToCheck, batch.Rows, checkKeys: command.Telemetry is null)) is { } rejection)
        {
            if (state is null)
                return Decision.Nothing with { Rejection = rejection };
            return new Decision([new BatchRejected(lineageId, batch.BatchId, rejection.Code, rejection.Detail, now, actor)]) { Rejection = rejection };
        }

        if (state is not null && state.Watermark is { } mark && EpochOrder.Compare(batch.JournalEpoch, mark.JournalEpoch) < 0)
        {
            events.Add(new StaleBatchSkipped(lineageId, batch.BatchId, batch.JournalEpoch, batch.Rows.Count, now, actor));
            return new Decision(events);
        }

        var pausedForReview = state?.PauseReasons.Contains(PauseReason.SchemaReview) ?? false;
        var acceptedNow = false;
        if (known is not null && known.Columns is null && batch.SchemaColumns is not null)
            events.Add(new SchemaColumnsLearned(lineageId, batch.SchemaHash, batch.SchemaColumns, now, actor));
        // A hash that is not the accepted one, not under review and not rejected is decided now: a
        // new hash, one known only from sync/schema/observe, one accepted before but since replaced
        // (a device rolled back), or one whose review was superseded. Staging its rows without a
        // review would hold them, and everything behind them, with nothing to release them.
        if (command.Registry is { } registry && registry.SchemaHash == batch.SchemaHash && state?.AcceptedSchemaHash != batch.SchemaHash && known?.Rejected != true)
            (pausedForReview, acceptedNow) = AcceptByRegistry(state, command, registry, lineageId, observed: known is not null, pausedForReview, now, events);
        else if (known is null || (state!.AcceptedSchemaHash != batch.SchemaHash && state.OpenReview?.SchemaHash != batch.SchemaHash && !known.Rejected))
            (pausedForReview, acceptedNow) = DecideNewSchema(state, command, lineageId, batch.SchemaColumns ?? known?.Columns, observed: known is not null,
                pausedForReview, actor, now, events);

        var (fresh, late) = Unseen(state, batch);
        var skipped = batch.Rows.Count - fresh.Count;
        var accepted = acceptedNow || state?.AcceptedSchemaHash == batch.SchemaHash;
        var otherPause = state?.PauseReasons.Any(r => r != PauseReason.SchemaReview) ?? false;
        var canWrite = accepted && !pausedForReview && !otherPause
            && (state?.Mirror is not null || events.OfType<MirrorProvisioned>().Any())
            && state?.HasStagedBacklog != true && state?.IsReplaying != true;
        if (canWrite)
        {
            events.Add(new BatchMaterialized(lineageId, batch.BatchId, batch.JournalEpoch, batch.FirstCommitSeq, batch.LastCommitSeq,
                fresh.Count, skipped, now, actor, late));
            // The batch may have accepted a schema (and evolved the mirror) on its way.
            var mirror = events.OfType<MirrorProvisioned>().LastOrDefault()?.Table ?? state!.Mirror!;
            var bindings = events.OfType<SchemaAccepted>().LastOrDefault()?.Bindings ?? state!.Bindings;
            return new Decision(events) { Write = new MirrorWrite(mirror, bindings, fresh) };
        }

        var reason = pausedForReview || !accepted ? StagingReason.SchemaReview
            : otherPause ? StagingReason.LineagePaused
            : state!.ConsecutiveFailures > 0 ? StagingReason.MaterializationFailed
            : StagingReason.BehindBacklog;
        var staged = Staged(lineageId, batch, fresh, late, reason, now, actor);
        events.Add(staged);
        events.AddRange(Backpressure(state ?? Lineage.Create((LineageCreated)events[0]), staged, command, now));
        return new Decision(events) { RowsToStage = fresh };
    }

    /// <summary>Rows already in flight are staged whatever the backlog; then the caps are checked.</summary>
    private static IEnumerable<LineageEvent> Backpressure(Lineage current, BatchStaged staged, IngestRows command, DateTimeOffset now)
    {
        var rows = current.Counters.StagedRowCount + current.PendingSnapshotRows + staged.RowsStaged;
        var bytes = current.Counters.StagedBytes + staged.Bytes;
        if (!FlowControl.OverCaps(command.Policy, rows, bytes))
            return [];
        var watermark = staged.RowsStaged > 0 ? current.WatermarkOf(staged.LastCommitSeq) : current.ServerWatermark;
        return FlowControl.Pause(current, PauseReason.Backpressure, FlowControl.BackpressureDetail(command.Policy, rows, bytes),
            watermark, command.NewControlId, now, "system");
    }

    /// <summary>
    /// A permanent write error turned the batch's materialization into staging: the same
    /// decision, with the rows staged behind a counted failure instead of written.
    /// </summary>
    public static Decision WithMaterializationFailure(Decision decision, Lineage? state, IngestRows command, string error, DateTimeOffset now)
    {
        var written = decision.Events.OfType<BatchMaterialized>().Single();
        var actor = $"device:{command.Device.DeviceName}";
        var current = state ?? Lineage.Create((LineageCreated)decision.Events[0]);
        var failures = current.ConsecutiveFailures + 1;
        var events = decision.Events.Where(e => e is not BatchMaterialized).ToList();
        events.Add(new MaterializationFailed(written.LineageId, written.BatchId, error, Permanent: true, failures, now, actor));
        var rows = decision.Write!.Rows;
        var staged = Staged(written.LineageId, command.Batch, rows, written.RowsLate, StagingReason.MaterializationFailed, now, actor);
        events.Add(staged);
        events.AddRange(CircuitBreaker.Trip(current, failures, error, command.Policy, current.WatermarkOf(staged.LastCommitSeq), command.NewControlId, now));
        events.AddRange(Backpressure(current, staged, command, now));
        // The staged rows are retried by a replay; each retry that fails again counts again.
        if (state?.IsReplaying != true)
            events.Add(new ReplayStarted(written.LineageId, command.NewReplayId, "materialization_failed", (state?.Counters.StagedRowCount ?? 0) + written.RowsApplied, now, "system"));
        return new Decision(events) { RowsToStage = rows };
    }

    private static BatchStaged Staged(
        Guid lineageId, RowBatch batch, IReadOnlyList<RowOperation> fresh, int late, StagingReason reason, DateTimeOffset now, string actor) =>
        new(lineageId, batch.BatchId, batch.JournalEpoch, batch.FirstCommitSeq, batch.LastCommitSeq,
            fresh.Count > 0 ? fresh[0].CommitSeq : batch.LastCommitSeq + 1, fresh.Count, batch.Rows.Count - fresh.Count,
            fresh.Sum(row => (long)StagedRowSize.Of(row)), reason, now, actor, late);

    /// <summary>
    /// An unseen hash: harmless changes continue under the accepted bindings (or, when the
    /// policy allows it, with new nullable columns mirrored); everything else waits for an operator.
    /// </summary>
    internal static (bool PausedForReview, bool Accepted) DecideNewSchema(
        Lineage? state, IngestRows command, Guid lineageId, SchemaFingerprint? columns, bool observed, bool pausedForReview,
        string actor, DateTimeOffset now, List<LineageEvent> events)
    {
        var batch = command.Batch;
        var accepted = state?.AcceptedSchema?.Columns;
        var classification = SchemaClassifier.Classify(accepted, state?.Bindings ?? [], columns);
        if (!observed)
            events.Add(new SchemaObserved(lineageId, batch.SchemaHash, columns, classification, now, actor));
        if (state?.OpenReview is { } superseded)
            events.Add(new ReviewAbandoned(lineageId, superseded.ReviewId, batch.SchemaHash, now, actor));

        var additive = classification == SchemaClassification.CompatibleAdditive && command.Policy.AllowAdditiveContinue && state!.Mirror is not null;
        if (classification == SchemaClassification.CompatibleMapped || additive)
        {
            var bindings = state!.Bindings.Where(b => columns!.Columns.Any(c => c.Name == b.SourceColumn)).ToList();
            if (additive)
            {
                var (evolved, added) = AddNullableColumns(state.Mirror!, accepted!, columns!);
                bindings.AddRange(added);
                events.Add(new ReviewQueued(lineageId, command.NewReviewId, command.Device.ProjectId, command.Device.DeviceId, batch.SourceTable,
                    batch.SchemaHash, classification, columns, accepted, now, "system"));
                events.Add(new ReviewApproved(lineageId, command.NewReviewId, batch.SchemaHash, bindings, evolved.Name, 2, Automatic: true, now, "system"));
                events.Add(new MirrorProvisioned(lineageId, evolved, now, "system"));
            }
            events.Add(new SchemaAccepted(lineageId, batch.SchemaHash, bindings, classification, now, "system"));
            if (pausedForReview)
                events.Add(new LineageResumed(lineageId, PauseReason.SchemaReview, now, "system"));
            return (false, true);
        }

        events.Add(new ReviewQueued(lineageId, command.NewReviewId, command.Device.ProjectId, command.Device.DeviceId, batch.SourceTable,
            batch.SchemaHash, classification, columns, accepted, now, actor));
        if (!pausedForReview)
            events.Add(new LineagePaused(lineageId, PauseReason.SchemaReview, now, actor));
        return (true, false);
    }

    /// <summary>
    /// A schema the project decided for its fleet: accepted with the decision's bindings, no review
    /// and no pause. A review of the same schema left open (its lineage was missed by the decision's
    /// fan-out, or queued while the decision was recorded) is approved under the decision; a review
    /// of another schema is superseded as by any new schema.
    /// </summary>
    internal static (bool PausedForReview, bool Accepted) AcceptByRegistry(
        Lineage? state, IngestRows command, RegistryAcceptance registry, Guid lineageId, bool observed, bool pausedForReview,
        DateTimeOffset now, List<LineageEvent> events)
    {
        const string actor = "system";
        var hash = command.Batch.SchemaHash;
        var classification = SchemaClassifier.Classify(state?.AcceptedSchema?.Columns, state?.Bindings ?? [], registry.Columns);
        if (!observed)
            events.Add(new SchemaObserved(lineageId, hash, registry.Columns, classification, now, $"device:{command.Device.DeviceName}"));
        if (state?.OpenReview is { } open)
        {
            events.Add(open.SchemaHash == hash
                ? new ReviewApproved(lineageId, open.ReviewId, hash, registry.Bindings, registry.Mirror.Name, open.ActionVersion + 1, Automatic: true, now, actor,
                    registry.DecisionId)
                : new ReviewAbandoned(lineageId, open.ReviewId, hash, now, actor));
        }
        events.Add(new SchemaAccepted(lineageId, hash, registry.Bindings, classification, now, actor, registry.DecisionId));
        events.Add(new MirrorProvisioned(lineageId, registry.Mirror, now, actor));
        if (pausedForReview)
            events.Add(new LineageResumed(lineageId, PauseReason.SchemaReview, now, actor));
        if (state is { HasStagedBacklog: true, IsReplaying: false })
            events.Add(new ReplayStarted(lineageId, command.NewReplayId, "registry_decision", state.Counters.StagedRowCount, now, actor));
        return (false, true);
    }

    private static (MirrorTable Table, IReadOnlyList<ColumnBinding> Bindings) AddNullableColumns(
        MirrorTable mirror, SchemaFingerprint accepted, SchemaFingerprint proposed)
    {
        var added = proposed.Columns.Where(c => accepted.Columns.All(a => a.Name != c.Name)).ToList();
        var taken = mirror.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var columns = added.Select(c =>
        {
            var name = MirrorNaming.DefaultColumnName(c.Name);
            return new MirrorColumn(taken.Contains(name) ? MirrorNaming.HashedColumnName(c.Name) : name, c.Name, c.DeclTypeAffinity, 0);
        }).ToList();
        return (mirror with { Columns = [.. mirror.Columns, .. columns] },
            columns.Select(c => new ColumnBinding(c.SourceColumn, BindingAction.Mirror, c.Name)).ToList());
    }

    public static Decision Decide(Lineage? state, ObserveSchema command, DateTimeOffset now)
    {
        var observation = command.Observation;
        var actor = $"device:{command.Device.DeviceName}";
        var lineageId = state?.Id ?? command.NewLineageId;
        var known = state?.FindSchema(observation.SchemaHash);
        if (known is not null)
        {
            return known.Columns is null && observation.SchemaColumns is not null
                ? new Decision([new SchemaColumnsLearned(lineageId, observation.SchemaHash, observation.SchemaColumns, now, actor)])
                : Decision.Nothing;
        }

        // Advisory only: the fingerprint is recorded for an early look, but no review is queued
        // and nothing pauses until a data batch carries the hash.
        var events = new List<LineageEvent>();
        if (state is null)
            events.Add(new LineageCreated(lineageId, command.Device.ProjectId, command.Device.DeviceId, command.Device.DeviceName, observation.SourceTable, now, actor));
        var classification = SchemaClassifier.Classify(state?.AcceptedSchema?.Columns, state?.Bindings ?? [], observation.SchemaColumns);
        events.Add(new SchemaObserved(lineageId, observation.SchemaHash, observation.SchemaColumns, classification, now, actor));
        return new Decision(events);
    }

    /// <summary>
    /// The rows of a batch the lineage has not seen, and how many of them are late (at or below the
    /// watermark). Batches of one lineage may commit in any order (two nodes, a reconnect), so a
    /// row below the watermark is kept unless its commit sequence was in a batch already kept; the
    /// mirror's ordering guard decides what it changes. A newer epoch restarts the sequence.
    /// </summary>
    private static (IReadOnlyList<RowOperation> Rows, int Late) Unseen(Lineage? state, RowBatch batch)
    {
        if (state?.Watermark is not { } mark || batch.JournalEpoch != mark.JournalEpoch)
            return (batch.Rows, 0);
        // commit_seq increases within a batch: the usual batch, wholly after the mark, is kept as it is.
        if (batch.FirstCommitSeq > mark.LastCommitSeq)
            return (batch.Rows, 0);
        var rows = batch.Rows.Where(row => !SeenRanges.Contains(state.Seen, row.CommitSeq)).ToList();
        return (rows, rows.Count(row => row.CommitSeq <= mark.LastCommitSeq));
    }
}
