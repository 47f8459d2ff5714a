namespace EdgeSync.Agent.State;

/// <summary>What the agent remembers about one telemetry table (a row of <c>telemetry_state</c> in state.db).</summary>
/// <param name="CursorRowid">Rows up to this rowid are published and acknowledged (or skipped).</param>
/// <param name="LastBatchSeq">The <c>batch_seq</c> of the last completed batch (0: none yet); the next batch takes the following number.</param>
/// <param name="SchemaSentHash">The schema hash whose <c>schema_columns</c> went out with an acknowledged batch.</param>
/// <param name="SkippedRows">Rows passed over for good (timestamp unreadable, row too large for a batch).</param>
/// <param name="InflightBatchId">The batch recorded before its publish and not yet acknowledged: a retry reuses its id, seq and rows.</param>
/// <param name="InflightLastRowid">The last rowid the batch in flight covers.</param>
public sealed record TelemetryState(
    string Table,
    long CursorRowid,
    long LastBatchSeq,
    string? SchemaSentHash,
    long SkippedRows,
    string? InflightBatchId,
    long? InflightBatchSeq,
    long? InflightLastRowid);
