using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// How a telemetry batch goes through the row machinery of its lineage (review, staging,
/// backpressure, breaker, replay, quarantine): its rows become inserts at synthetic journal
/// positions of one fixed epoch, <c>(batch_seq + 1) × 4096 + row index</c> — strictly increasing
/// with batch_seq, at least 4096 (never 0) and below 2^63 for every batch_seq the wire allows.
/// Each row is its fields plus the timestamp column holding the row's ts; its pk is
/// <c>{"row_id": n}</c> when the device sent one, else <c>{}</c>.
/// </summary>
public static class TelemetryJournal
{
    /// <summary>The one journal epoch of every telemetry lineage (a fixed UUIDv7 of time zero).</summary>
    public static readonly Guid Epoch = Guid.ParseExact("00000000-0000-7000-8000-000000000001", "D");

    public const int RowsPerBatch = WireLimits.MaxRowsPerBatch;

    public static long CommitSeqOf(long batchSeq, int rowIndex) => (batchSeq + 1) * RowsPerBatch + rowIndex;

    public static long BatchSeqOf(long commitSeq) => commitSeq / RowsPerBatch - 1;

    /// <summary>The batch as a row batch of the lineage's fixed epoch.</summary>
    public static RowBatch ToRowBatch(TelemetryBatch batch)
    {
        var column = JsonSerializer.Serialize(batch.TimestampColumn);
        var rows = new RowOperation[batch.Rows.Count];
        for (var i = 0; i < rows.Length; i++)
            rows[i] = batch.Rows[i].ToInsert(CommitSeqOf(batch.BatchSeq, i), batch.TimestampColumn, column);
        return new RowBatch(batch.BatchId, Epoch, batch.SourceTable, batch.SchemaHash, batch.SchemaColumns,
            rows[0].CommitSeq, rows[^1].CommitSeq, rows.AsReadOnly(), batch.PayloadBytes);
    }
}
