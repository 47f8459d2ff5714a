namespace EdgeSync.Agent.Telemetry;

/// <summary>A built <c>sync/telemetry/batch</c> message.</summary>
/// <param name="Payload">UTF-8 JSON within 512 KiB and 4,096 rows (empty when every row considered was skipped).</param>
/// <param name="LastConsideredRowid">The last rowid the batch covers, skipped rows included: the cursor moves there once it is acknowledged.</param>
/// <param name="Skipped">Rows left out for good (unreadable timestamp, larger than a batch).</param>
/// <param name="IncludesColumns">True when <c>schema_columns</c> is in the payload.</param>
public sealed record TelemetryBatchPayload(
    string BatchId,
    long BatchSeq,
    byte[] Payload,
    int RowCount,
    long LastConsideredRowid,
    int Skipped,
    string SchemaHash,
    bool IncludesColumns,
    string? CursorStartTs,
    string? CursorEndTs);
