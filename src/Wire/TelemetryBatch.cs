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
    [Id(2)] string FieldsJson)
{
    private static readonly WireObject NoKey = new([], [], false);
    private const string RowIdName = "row_id";

    // Not serialized: the reader fills it while it validates; after a hop to another silo it is
    // parsed again from the text, on first use.
    [NonSerialized] private WireObject? _fields;

    internal TelemetryRow(string ts, long? rowId, string fieldsJson, WireObject fields)
        : this(ts, rowId, fieldsJson)
    {
        _fields = fields;
    }

    /// <summary><see cref="FieldsJson"/>, parsed.</summary>
    public WireObject Fields => _fields ??= WireObject.Parse(FieldsJson);

    /// <summary>
    /// The row as an insert of a row batch: pk <c>{"row_id": n}</c> (or <c>{}</c>), row = the
    /// fields plus <paramref name="timestampColumn"/> holding <see cref="Ts"/>. Built from the
    /// parsed fields, so nothing is parsed again; pass the same <paramref name="timestampColumn"/>
    /// string for every row of a batch (row checks recognise a batch's names by reference).
    /// </summary>
    public RowOperation ToInsert(long commitSeq, string timestampColumn, string timestampColumnJson)
    {
        var fields = Fields;
        var names = new string[fields.Count + 1];
        var values = new WireScalar[fields.Count + 1];
        for (var i = 0; i < fields.Count; i++)
        {
            names[i] = fields.Names[i];
            values[i] = fields.Values[i];
        }
        names[^1] = timestampColumn;
        values[^1] = new WireScalar(System.Text.Json.JsonValueKind.String, Ts);
        var body = FieldsJson.AsSpan().Trim()[1..^1].Trim();
        // Ts is RFC 3339: nothing in it needs escaping.
        var rowJson = body.IsEmpty ? $"{{{timestampColumnJson}:\"{Ts}\"}}" : $"{{{body},{timestampColumnJson}:\"{Ts}\"}}";
        var (pkJson, pk) = RowId is { } id
            ? ($"{{\"{RowIdName}\":{id}}}", new WireObject([RowIdName], [new WireScalar(System.Text.Json.JsonValueKind.Number, id.ToString(System.Globalization.CultureInfo.InvariantCulture))], false))
            : ("{}", NoKey);
        return new RowOperation(commitSeq, RowOperation.Insert, pkJson, rowJson, pk, new WireObject(names, values, fields.ContainsNul));
    }
}
