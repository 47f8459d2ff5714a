using EdgeSync.Cli.Api;

namespace EdgeSync.Cli.Output;

/// <summary>A review as plain text lines: what is proposed and how it differs from what was accepted.</summary>
public static class ReviewDetailText
{
    public static IEnumerable<string> Lines(ReviewDetail r)
    {
        yield return $"Review          {r.Id}";
        yield return $"Lineage         {r.LineageId}";
        yield return $"Source table    {r.SourceTable}";
        yield return $"State           {r.State}{(r.Automatic ? " (automatic)" : "")}, action_version {r.ActionVersion}";
        yield return $"Classification  {r.Classification}";
        yield return $"Schema hash     {r.SchemaHash}";
        yield return $"Queued          {Cells.Time(r.QueuedAt)}";
        if (r.MirrorTableName is not null)
            yield return $"Mirror table    {r.MirrorTableName}";
        if (r.LastActor is not null)
            yield return $"Last actor      {r.LastActor}{(r.DecisionReason is null ? "" : $" ({r.DecisionReason})")}";

        yield return "";
        if (r.ProposedColumns is not { } proposed)
            yield return "Proposed columns: not known yet (they arrive with the device's next schema observation)";
        else
        {
            yield return $"Proposed columns ({proposed.Count})";
            foreach (var c in proposed.OrderBy(c => c.IsKey ? c.PkOrdinal : int.MaxValue).ThenBy(c => c.Name, StringComparer.Ordinal))
                yield return $"  {Marker(r.Diff, c.Name)} {Column(c)}";
        }

        if (r.Diff.Removed.Count > 0 || r.Diff.Changed.Count > 0)
        {
            yield return "";
            yield return "Changes from the accepted schema";
            foreach (var c in r.Diff.Removed)
                yield return $"  - removed  {Column(c)}";
            foreach (var c in r.Diff.Changed)
                yield return $"  ~ changed  {c.Name}: {Describe(c.Before)} → {Describe(c.After)}";
        }
    }

    private static string Marker(SchemaDiffView diff, string name) =>
        diff.Added.Any(c => c.Name == name) ? "+" : diff.Changed.Any(c => c.Name == name) ? "~" : " ";

    public static string Column(ColumnView c) => $"{c.Name,-24} {Describe(c)}";

    private static string Describe(ColumnView c) =>
        $"{c.DeclTypeAffinity}{(c.NotNull ? " NOT NULL" : "")}{(c.IsKey ? $" KEY#{c.PkOrdinal}" : "")}";
}
