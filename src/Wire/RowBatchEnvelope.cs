using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>A <c>sync/rows/batch</c> message before validation; see <see cref="WireEnvelope"/>.</summary>
internal sealed class RowBatchEnvelope : WireEnvelope
{
    private RowFields[]? _rowFields;
    private HashSet<string>? _keyNames;
    private HashSet<string>? _columnNames;

    public RowBatchEnvelope(JsonElement root) : base(root)
    {
        CaptureStrategy = WireJson.Property(root, "capture_strategy");
        BatchId = WireJson.Property(root, "batch_id");
        JournalEpoch = WireJson.Property(root, "journal_epoch");
        FirstCommitSeq = WireJson.Property(root, "first_commit_seq");
        LastCommitSeq = WireJson.Property(root, "last_commit_seq");
        Rows = WireJson.Property(root, "rows");
        RowItems = Rows.ValueKind == JsonValueKind.Array ? Rows.EnumerateArray().ToArray() : [];
    }

    public JsonElement CaptureStrategy { get; }
    public JsonElement BatchId { get; }
    public JsonElement JournalEpoch { get; }
    public JsonElement FirstCommitSeq { get; }
    public JsonElement LastCommitSeq { get; }
    public JsonElement Rows { get; }

    /// <summary>The elements of <c>rows</c>; empty when it is not an array.</summary>
    public IReadOnlyList<JsonElement> RowItems { get; }

    /// <summary>
    /// The fields of each entry of <c>rows</c>, found in one pass over its members (the row rules
    /// look at each of them several times).
    /// </summary>
    public IReadOnlyList<RowFields> RowFields => _rowFields ??= RowItems.Select(Wire.RowFields.Of).ToArray();

    /// <summary>The primary-key column names of <c>schema_columns</c>; null when it names none.</summary>
    public HashSet<string>? KeyNames => _keyNames ??= Schema.Fingerprint?.PrimaryKey is { Count: > 0 } key
        ? key.Select(c => c.Name).ToHashSet(StringComparer.Ordinal)
        : null;

    /// <summary>The column names of <c>schema_columns</c>; null when it is absent.</summary>
    public HashSet<string>? ColumnNames => _columnNames ??= Schema.Fingerprint?.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// The members of one entry of <c>rows</c> (<see cref="JsonValueKind.Undefined"/> when absent,
/// or when the entry is not an object).
/// </summary>
internal readonly record struct RowFields(JsonElement CommitSeq, JsonElement Op, JsonElement Pk, JsonElement Row)
{
    public static RowFields Of(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
            return default;
        JsonElement commitSeq = default, op = default, pk = default, row = default;
        // Duplicate member names never get here: the document was parsed with AllowDuplicateProperties = false.
        foreach (var property in item.EnumerateObject())
        {
            if (property.NameEquals("commit_seq"u8)) commitSeq = property.Value;
            else if (property.NameEquals("op"u8)) op = property.Value;
            else if (property.NameEquals("pk"u8)) pk = property.Value;
            else if (property.NameEquals("row"u8)) row = property.Value;
        }
        return new RowFields(commitSeq, op, pk, row);
    }

    /// <summary>The op as one of the <see cref="RowOperation"/> constants, or null when it is none of them.</summary>
    public string? KnownOp =>
        Op.ValueKind != JsonValueKind.String ? null
        : Op.ValueEquals("insert"u8) ? RowOperation.Insert
        : Op.ValueEquals("update"u8) ? RowOperation.Update
        : Op.ValueEquals("delete"u8) ? RowOperation.Delete
        : null;
}
