namespace EdgeSync.Wire;

/// <summary>A validated <c>sync/rows/batch</c> message (read it with <see cref="RowBatchReader"/>).</summary>
/// <param name="BatchId"><c>batch_id</c>, a UUIDv7; a redelivered batch keeps it.</param>
/// <param name="JournalEpoch"><c>journal_epoch</c>, a UUIDv7.</param>
/// <param name="SourceTable"><c>source_table</c>.</param>
/// <param name="SchemaHash"><c>schema_hash</c>, 64 lowercase hex.</param>
/// <param name="SchemaColumns"><c>schema_columns</c> when the device sent them (their hash equals <paramref name="SchemaHash"/>).</param>
/// <param name="FirstCommitSeq">Equals <c>Rows[0].CommitSeq</c>.</param>
/// <param name="LastCommitSeq">Equals <c>Rows[^1].CommitSeq</c>.</param>
/// <param name="Rows">1..4096 row operations in strictly increasing commit_seq order.</param>
/// <param name="PayloadBytes">Size of the MQTT payload the batch was read from, in bytes.</param>
[GenerateSerializer, Immutable]
public sealed record RowBatch(
    [Id(0)] Guid BatchId,
    [Id(1)] Guid JournalEpoch,
    [Id(2)] string SourceTable,
    [Id(3)] string SchemaHash,
    [Id(4)] SchemaFingerprint? SchemaColumns,
    [Id(5)] long FirstCommitSeq,
    [Id(6)] long LastCommitSeq,
    [Id(7)] IReadOnlyList<RowOperation> Rows,
    [Id(8)] int PayloadBytes);
