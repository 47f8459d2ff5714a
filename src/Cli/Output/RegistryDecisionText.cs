using EdgeSync.Cli.Api;
using EdgeSync.Escaping;

namespace EdgeSync.Cli.Output;

/// <summary>A registry decision as plain text lines: what it decides for which schema, whether it is in force, how far its fan-out got.</summary>
public static class RegistryDecisionText
{
    public static IEnumerable<string> Lines(RegistryDecision d)
    {
        yield return $"Decision        {d.DecisionId}";
        yield return $"Source table    {d.SourceTable}";
        yield return $"Schema hash     {d.SchemaHash}";
        yield return $"Mirror layout   {d.MirrorLayout}{(d.MirrorTableName is null ? "" : $" into {d.MirrorTableName}")}";
        yield return $"State           {State(d)}";
        yield return $"Decided         {Cells.Time(d.DecidedAt)} by {d.DecidedBy}";
        if (d.RevokedAt is { } revokedAt)
            yield return $"Revoked         {Cells.Time(revokedAt)} by {d.RevokedBy}";
        yield return $"Fan-out         {d.FanOut}: {d.ApprovedReviewIds.Count} of {d.TargetCount} waiting review(s) approved";

        yield return "";
        yield return $"Column actions ({d.ColumnActions.Count})";
        // Names are escaped before they are padded, so a name with control characters stays in line with the rest.
        var names = d.ColumnActions.Select(a => SafeText.Escape(a.SourceColumnName)).ToList();
        var width = names.Select(n => n.Length).DefaultIfEmpty(0).Max();
        for (var i = 0; i < names.Count; i++)
            yield return $"  {names[i].PadRight(width)}  {d.ColumnActions[i].Action,-6}  {Target(d.ColumnActions[i])}";
    }

    public static string State(RegistryDecision d) => d.InForce ? "in force" : "revoked";

    private static string Target(ColumnAction a) => a.Action switch
    {
        "map" => $"data point {a.DataPoint}{(a.TimestampColumn is null ? "" : $" (time: {a.TimestampColumn})")}",
        "mirror" => a.MirrorColumnName is null ? "" : $"column {a.MirrorColumnName}",
        _ => "",
    };
}
