namespace EdgeSync.Wire;

/// <summary>A validated <c>sync/telemetry/batch</c> message (read it with <see cref="TelemetryBatchReader"/>).</summary>
/// <param name="BatchId"><c>batch_id</c>, a UUIDv7; a redelivered batch keeps it.</param>
/// <param name="BatchSeq"><c>batch_seq</c>, 0..<see cref="WireLimits.MaxBatchSeq"/>, increasing per device and table.</param>
/// <param name="SourceTable"><c>source_table</c>.</param>
/// <param name="TimestampColumn"><c>timestamp_column</c>: the table's column each row's <c>ts</c> is the value of.</param>
/// <param name="SchemaHash"><c>schema_hash</c>, 64 lowercase hex.</param>
/// <param name="SchemaColumns"><c>schema_columns</c> when sent (their hash equals <paramref name="SchemaHash"/>; they name the timestamp column).</param>
/// <param name="CursorStartTs">The earliest row <c>ts</c>.</param>
/// <param name="CursorEndTs">The latest row <c>ts</c>.</param>
/// <param name="Rows">1..4096 rows.</param>
/// <param name="PayloadBytes">Size of the MQTT payload the batch was read from, in bytes.</param>
[GenerateSerializer, Immutable]
public sealed record TelemetryBatch(
    [Id(0)] Guid BatchId,
    [Id(1)] long BatchSeq,
    [Id(2)] string SourceTable,
    [Id(3)] string TimestampColumn,
    [Id(4)] string SchemaHash,
    [Id(5)] SchemaFingerprint? SchemaColumns,
    [Id(6)] DateTimeOffset CursorStartTs,
    [Id(7)] DateTimeOffset CursorEndTs,
    [Id(8)] IReadOnlyList<TelemetryRow> Rows,
    [Id(9)] int PayloadBytes);

/// <summary>One entry of a telemetry batch's <c>rows</c>.</summary>
/// <param name="Ts">The row's <c>ts</c> as sent (an RFC 3339 time).</param>
/// <param name="RowId">The row's <c>row_id</c> when sent.</param>
/// <param name="FieldsJson">The JSON text of <c>fields</c> as received: an object of scalar values, the timestamp column not among them.</param>
[GenerateSerializer, Immutable]
public sealed record TelemetryRow(
    [Id(0)] string Ts,
    [Id(1)] long? RowId,
    [Id(2)] string FieldsJson);
