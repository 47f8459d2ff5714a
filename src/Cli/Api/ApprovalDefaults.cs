namespace EdgeSync.Cli.Api;

/// <summary>
/// The column actions an approval starts from, so that approving without changes does the expected
/// thing: key columns are mirrored (the API requires it), a column bound before keeps its binding,
/// and any other column is mirrored.
/// </summary>
public static class ApprovalDefaults
{
    public static List<ColumnAction> For(ReviewDetail review, IReadOnlyList<BindingView> currentBindings)
    {
        var bound = currentBindings.ToDictionary(b => b.SourceColumn, StringComparer.Ordinal);
        return (review.ProposedColumns ?? [])
            .OrderBy(c => c.IsKey ? c.PkOrdinal : int.MaxValue)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.IsKey
                ? new ColumnAction(c.Name, "mirror", bound.GetValueOrDefault(c.Name)?.MirrorColumn)
                : bound.TryGetValue(c.Name, out var b) && b.Action != "defer"
                    ? new ColumnAction(c.Name, b.Action, b.MirrorColumn, b.DataPoint, b.TimestampColumn)
                    : new ColumnAction(c.Name, "mirror"))
            .ToList();
    }
}
