using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>A <c>sync/telemetry/batch</c> message before validation; see <see cref="WireEnvelope"/>.</summary>
internal sealed class TelemetryBatchEnvelope : WireEnvelope
{
    private TelemetryRowFields[]? _rowFields;
    private HashSet<string>? _columnNames;

    public TelemetryBatchEnvelope(JsonElement root) : base(root)
    {
        CaptureStrategy = WireJson.Property(root, "capture_strategy");
        BatchId = WireJson.Property(root, "batch_id");
        BatchSeq = WireJson.Property(root, "batch_seq");
        TimestampColumn = WireJson.Property(root, "timestamp_column");
        CursorStartTs = WireJson.Property(root, "cursor_start_ts");
        CursorEndTs = WireJson.Property(root, "cursor_end_ts");
        RowCount = WireJson.Property(root, "row_count");
        Rows = WireJson.Property(root, "rows");
        RowItems = Rows.ValueKind == JsonValueKind.Array ? Rows.EnumerateArray().ToArray() : [];
    }

    public JsonElement CaptureStrategy { get; }
    public JsonElement BatchId { get; }
    public JsonElement BatchSeq { get; }
    public JsonElement TimestampColumn { get; }
    public JsonElement CursorStartTs { get; }
    public JsonElement CursorEndTs { get; }
    public JsonElement RowCount { get; }
    public JsonElement Rows { get; }

    /// <summary>The elements of <c>rows</c>; empty when it is not an array.</summary>
    public IReadOnlyList<JsonElement> RowItems { get; }

    /// <summary>Each row's <c>ts</c>, filled by the ts rule (read once, for the cursor rule too).</summary>
    public DateTimeOffset[] Times => _times ??= new DateTimeOffset[RowItems.Count];
    private DateTimeOffset[]? _times;

    /// <summary>Each row's <c>fields</c> as read by the fields rule, for the number rule and the reader.</summary>
    public WireObject?[] FieldObjects => _fieldObjects ??= new WireObject?[RowItems.Count];
    private WireObject?[]? _fieldObjects;

    /// <summary>One string per distinct field name of the batch.</summary>
    public WireNames Names { get; } = new();

    /// <summary>Field names (by reference: <see cref="Names"/> shares them) found fine already.</summary>
    public HashSet<object> NamesPassed { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The members of each entry of <c>rows</c>, found in one pass.</summary>
    public IReadOnlyList<TelemetryRowFields> RowFields => _rowFields ??= RowItems.Select(TelemetryRowFields.Of).ToArray();

    /// <summary>The column names of <c>schema_columns</c>; null when it is absent.</summary>
    public HashSet<string>? ColumnNames => _columnNames ??= Schema.Fingerprint?.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
}

/// <summary>The members of one entry of a telemetry batch's <c>rows</c> (<see cref="JsonValueKind.Undefined"/> when absent).</summary>
internal readonly record struct TelemetryRowFields(JsonElement Ts, JsonElement RowId, JsonElement Fields)
{
    public static TelemetryRowFields Of(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
            return default;
        JsonElement ts = default, rowId = default, fields = default;
        foreach (var property in item.EnumerateObject())
        {
            if (property.NameEquals("ts"u8)) ts = property.Value;
            else if (property.NameEquals("row_id"u8)) rowId = property.Value;
            else if (property.NameEquals("fields"u8)) fields = property.Value;
        }
        return new TelemetryRowFields(ts, rowId, fields);
    }
}
