namespace EdgeSync.Agent.Publish;

/// <summary>A built <c>sync/rows/batch</c> message.</summary>
/// <param name="Payload">UTF-8 JSON, at most 512 KiB unless a single row is larger.</param>
/// <param name="SchemaHash">The batch's <c>schema_hash</c>.</param>
/// <param name="IncludesColumns">True when <c>schema_columns</c> is in the payload.</param>
/// <param name="LastConsideredSeq">The last journal commit_seq this batch covers (rows that could not be encoded are skipped up to it).</param>
public sealed record RowBatchPayload(
    string BatchId,
    byte[] Payload,
    long FirstCommitSeq,
    long LastCommitSeq,
    int RowCount,
    string SchemaHash,
    bool IncludesColumns,
    long LastConsideredSeq);
