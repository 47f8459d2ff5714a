using EdgeSync.Escaping;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// The pure rules a lineage applies to a batch for its kind and, for telemetry, its sequencing
/// (docs/lineage.md, "Telemetry lineages"). A lineage's kind is fixed by its first message.
/// </summary>
public static class TelemetryDecisions
{
    /// <summary>
    /// Why the lineage refuses the batch before looking at its rows, or null:
    /// <c>invalid_capture_strategy</c> when the batch is of the other kind than the lineage,
    /// <c>invalid_timestamp_column</c> when a telemetry batch names another timestamp column,
    /// <c>duplicate_batch_seq</c> when its batch_seq was accepted already (the grain first asks the
    /// ledger whether it is the same batch again, which is a no-op success), <c>stale_batch_seq</c>
    /// when it is lower than the highest accepted and not known to be accepted. Only the newest
    /// <see cref="SeenRanges.Limit"/> ranges of accepted seqs are kept: an older accepted seq
    /// counts as stale.
    /// </summary>
    public static Rejection? Check(Lineage? state, IngestRows command)
    {
        if (state is null)
            return null;
        if (command.Telemetry is not { } telemetry)
        {
            return state.IsTelemetry
                ? new Rejection(RejectionCodes.InvalidCaptureStrategy,
                    $"table '{state.SourceTable}' is synchronized as a time series (sync/telemetry/batch, {WireLimits.TelemetryBatchCaptureStrategy}); a row batch cannot change that.")
                : null;
        }
        if (!state.IsTelemetry)
            return new Rejection(RejectionCodes.InvalidCaptureStrategy,
                $"table '{state.SourceTable}' is synchronized as rows (sync/rows/batch, {WireLimits.RowBatchCaptureStrategy}); a telemetry batch cannot change that.");
        if (state.TimestampColumn is { } column && column != telemetry.TimestampColumn)
            return new Rejection(RejectionCodes.InvalidTimestampColumn,
                $"timestamp_column is \"{Quoted(telemetry.TimestampColumn)}\", but the lineage's timestamp column is \"{Quoted(column)}\".");
        return Sequence(state, telemetry.BatchSeq);
    }

    /// <summary>The sequencing rule alone: null when <paramref name="batchSeq"/> may be accepted.</summary>
    public static Rejection? Sequence(Lineage state, long batchSeq)
    {
        if (state.LastBatchSeq is not { } last || batchSeq > last)
            return null;
        return SeenRanges.Contains(state.AcceptedBatchSeqs, batchSeq) || batchSeq == last
            ? new Rejection(RejectionCodes.DuplicateBatchSeq, $"batch_seq {batchSeq} was accepted already with another batch_id; this batch is dropped.")
            : new Rejection(RejectionCodes.StaleBatchSeq, $"batch_seq {batchSeq} is lower than the highest accepted, {last}, and was never accepted; this batch is dropped.");
    }

    private static string Quoted(string text) => SafeText.Escape(SafeText.Cut(text, 80, "…"));
}
