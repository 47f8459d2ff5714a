using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>A row batch as the lineage grain decides on it. Ids are made by the caller so that deciding stays pure.</summary>
public sealed record IngestRows(Guid NewLineageId, Guid NewReviewId, DeviceIdentity Device, RowBatch Batch);

public sealed record ObserveSchema(Guid NewLineageId, DeviceIdentity Device, SchemaObservation Observation);

public sealed record Decision(IReadOnlyList<object> Events, Rejection? Rejection = null)
{
    public static readonly Decision Nothing = new([]);
}

/// <summary>
/// Pure decisions of a lineage: (state, command, time) → events. The grain persists what these
/// return and derives every side effect from the stored events.
/// </summary>
public static class LineageDecider
{
    public static Decision Decide(Lineage? state, IngestRows command, DateTimeOffset now)
    {
        var batch = command.Batch;
        var actor = $"device:{command.Device.DeviceName}";
        var lineageId = state?.Id ?? command.NewLineageId;
        var events = new List<object>();

        if (state is null)
            events.Add(new LineageCreated(lineageId, command.Device.ProjectId, command.Device.DeviceId, command.Device.DeviceName, batch.SourceTable, now, actor));

        var known = state?.FindSchema(batch.SchemaHash);
        // Rows of a batch that carries its columns were checked against them when it was read.
        var columnsToCheck = batch.SchemaColumns is null ? known?.Columns : null;
        if (RowShape.Check(columnsToCheck, batch.Rows) is { } rejection)
        {
            if (state is null)
                return new Decision([], rejection);
            return new Decision([new BatchRejected(lineageId, batch.BatchId, rejection.Code, rejection.Detail, now, actor)], rejection);
        }

        if (state is not null && state.Watermark is { } mark && EpochOrder.Compare(batch.JournalEpoch, mark.JournalEpoch) < 0)
        {
            events.Add(new StaleBatchSkipped(lineageId, batch.BatchId, batch.JournalEpoch, batch.Rows.Count, now, actor));
            return new Decision(events);
        }

        var pausedForReview = state?.PauseReasons.Contains(PauseReason.SchemaReview) ?? false;
        if (known is null)
        {
            var classification = SchemaClassifier.Classify(state?.AcceptedSchema, batch.SchemaColumns);
            events.Add(new SchemaObserved(lineageId, batch.SchemaHash, batch.SchemaColumns, classification, now, actor));
            if (state?.OpenReview is { } superseded)
                events.Add(new ReviewAbandoned(lineageId, superseded.ReviewId, batch.SchemaHash, now, actor));
            events.Add(new ReviewQueued(lineageId, command.NewReviewId, command.Device.ProjectId, command.Device.DeviceId, batch.SourceTable,
                batch.SchemaHash, classification, batch.SchemaColumns, state?.AcceptedSchema?.Columns, now, actor));
            if (!pausedForReview)
                events.Add(new LineagePaused(lineageId, PauseReason.SchemaReview, now, actor));
            pausedForReview = true;
        }
        else if (known.Columns is null && batch.SchemaColumns is not null)
        {
            events.Add(new SchemaColumnsLearned(lineageId, batch.SchemaHash, batch.SchemaColumns, now, actor));
        }

        var fresh = RowsAfter(state?.Watermark, batch);
        var stagedFrom = fresh.Count > 0 ? fresh[0].CommitSeq : batch.LastCommitSeq + 1;
        var bytes = fresh.Sum(row => (long)StagedRowSize.Of(row));
        var reason = pausedForReview || state?.AcceptedSchemaHash is null ? StagingReason.SchemaReview : StagingReason.LineagePaused;
        events.Add(new BatchStaged(lineageId, batch.BatchId, batch.JournalEpoch, batch.FirstCommitSeq, batch.LastCommitSeq,
            stagedFrom, fresh.Count, batch.Rows.Count - fresh.Count, bytes, reason, now, actor));
        return new Decision(events);
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
        var events = new List<object>();
        if (state is null)
            events.Add(new LineageCreated(lineageId, command.Device.ProjectId, command.Device.DeviceId, command.Device.DeviceName, observation.SourceTable, now, actor));
        var classification = SchemaClassifier.Classify(state?.AcceptedSchema, observation.SchemaColumns);
        events.Add(new SchemaObserved(lineageId, observation.SchemaHash, observation.SchemaColumns, classification, now, actor));
        return new Decision(events);
    }

    /// <summary>The rows of a batch that lie after the watermark; a newer epoch restarts the sequence.</summary>
    public static IReadOnlyList<RowOperation> RowsAfter(Watermark? mark, RowBatch batch)
    {
        if (mark is null || EpochOrder.Compare(batch.JournalEpoch, mark.JournalEpoch) > 0)
            return batch.Rows;
        return batch.Rows.Where(row => row.CommitSeq > mark.LastCommitSeq).ToList();
    }
}
