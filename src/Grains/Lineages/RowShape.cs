using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// Once a schema's columns are known, every row must fit them: the pk names exactly the key
/// columns, and a row names only columns of the table.
/// </summary>
public static class RowShape
{
    public static Rejection? Check(SchemaFingerprint schema, IReadOnlyList<RowOperation> rows)
    {
        var keyColumns = schema.Columns.Where(c => c.PkOrdinal > 0).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var allColumns = schema.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var pkNames = PropertyNames(row.PkJson);
            if (!pkNames.SetEquals(keyColumns))
                return new Rejection(RejectionCodes.InvalidPk,
                    $"row {row.CommitSeq}: pk must name exactly the key columns ({string.Join(", ", keyColumns.Order(StringComparer.Ordinal))})");
            if (row.RowJson is not null && PropertyNames(row.RowJson).FirstOrDefault(name => !allColumns.Contains(name)) is { } unknown)
                return new Rejection(RejectionCodes.InvalidRow, $"row {row.CommitSeq}: column '{unknown}' is not in the table's schema");
        }
        return null;
    }

    private static HashSet<string> PropertyNames(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
    }
}
