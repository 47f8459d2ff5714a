using EdgeSync.Escaping;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// Row checks that need more than the batch itself. The wire reader already checked rows
/// against the <c>schema_columns</c> a batch carries; a batch that carries only the hash is
/// checked here against the columns the lineage knows for it. And PostgreSQL cannot store
/// U+0000 in text or jsonb, so such a row is refused instead of failing its transaction forever.
/// Works on the rows as the reader parsed them, not on their JSON text.
/// </summary>
public static class RowShape
{
    /// <param name="checkKeys">False for a telemetry batch: its rows are keyed by position, not by the table's key.</param>
    public static Rejection? Check(SchemaFingerprint? knownColumns, IReadOnlyList<RowOperation> rows, bool checkKeys = true)
    {
        var keyColumns = !checkKeys ? null : knownColumns?.Columns.Where(c => c.PkOrdinal > 0).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var allColumns = knownColumns?.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        // The rows of a batch share their member-name strings, so names that passed are recognised
        // by reference and not looked up again.
        IReadOnlyList<string>? pkPassed = null, rowPassed = null;
        foreach (var row in rows)
        {
            var pk = row.Pk;
            if (pk.ContainsNul)
                return new Rejection(RejectionCodes.InvalidPk, $"row {row.CommitSeq}: pk contains U+0000, which cannot be stored");
            if (keyColumns is { Count: > 0 } && !SameStrings(pk.Names, pkPassed))
            {
                if (!NamesExactly(pk, keyColumns))
                    return new Rejection(RejectionCodes.InvalidPk,
                        $"row {row.CommitSeq}: pk must name exactly the key columns ({string.Join(", ", keyColumns.Order(StringComparer.Ordinal))})");
                pkPassed = pk.Names;
            }
            if (row.Row is not { } values)
                continue;

            if (values.ContainsNul)
                return new Rejection(RejectionCodes.InvalidRow, $"row {row.CommitSeq}: a value contains U+0000, which cannot be stored");
            if (allColumns is not null && !SameStrings(values.Names, rowPassed))
            {
                if (values.Names.FirstOrDefault(name => !allColumns.Contains(name)) is { } unknown)
                    return new Rejection(RejectionCodes.InvalidRow, $"row {row.CommitSeq}: column '{SafeText.Escape(SafeText.Cut(unknown, 80, "…"))}' is not in the table's schema");
                rowPassed = values.Names;
            }
        }
        return null;
    }

    private static bool SameStrings(IReadOnlyList<string> names, IReadOnlyList<string>? passed)
    {
        if (passed is null || passed.Count != names.Count)
            return false;
        for (var i = 0; i < names.Count; i++)
            if (!ReferenceEquals(names[i], passed[i]))
                return false;
        return true;
    }

    /// <summary>Set equality of the member names and <paramref name="expected"/> (a name given twice counts once).</summary>
    private static bool NamesExactly(WireObject obj, HashSet<string> expected)
    {
        foreach (var name in obj.Names)
            if (!expected.Contains(name))
                return false;
        return obj.Count == 1
            ? expected.Count == 1
            : obj.Names.Distinct(StringComparer.Ordinal).Count() == expected.Count;
    }
}
