using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// Row checks that need more than the batch itself. The wire reader already checked rows
/// against the <c>schema_columns</c> a batch carries; a batch that carries only the hash is
/// checked here against the columns the lineage knows for it. And PostgreSQL cannot store
/// U+0000 in text or jsonb, so such a row is refused instead of failing its transaction forever.
/// </summary>
public static class RowShape
{
    public static Rejection? Check(SchemaFingerprint? knownColumns, IReadOnlyList<RowOperation> rows)
    {
        var keyColumns = knownColumns?.Columns.Where(c => c.PkOrdinal > 0).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var allColumns = knownColumns?.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            using var pk = JsonDocument.Parse(row.PkJson);
            if (ContainsNul(pk.RootElement))
                return new Rejection(RejectionCodes.InvalidPk, $"row {row.CommitSeq}: pk contains U+0000, which cannot be stored");
            if (keyColumns is { Count: > 0 } && !pk.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal).SetEquals(keyColumns))
                return new Rejection(RejectionCodes.InvalidPk,
                    $"row {row.CommitSeq}: pk must name exactly the key columns ({string.Join(", ", keyColumns.Order(StringComparer.Ordinal))})");
            if (row.RowJson is null)
                continue;

            using var values = JsonDocument.Parse(row.RowJson);
            if (ContainsNul(values.RootElement))
                return new Rejection(RejectionCodes.InvalidRow, $"row {row.CommitSeq}: a value contains U+0000, which cannot be stored");
            if (allColumns is not null
                && values.RootElement.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !allColumns.Contains(name)) is { } unknown)
                return new Rejection(RejectionCodes.InvalidRow, $"row {row.CommitSeq}: column '{unknown}' is not in the table's schema");
        }
        return null;
    }

    private static bool ContainsNul(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p => p.Name.Contains('\0') || ContainsNul(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(ContainsNul),
        JsonValueKind.String => element.GetString()!.Contains('\0'),
        _ => false,
    };
}
