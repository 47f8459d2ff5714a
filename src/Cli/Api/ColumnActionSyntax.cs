namespace EdgeSync.Cli.Api;

/// <summary>
/// <c>--column</c> values of <c>reviews approve</c>: <c>name=mirror</c>, <c>name=mirror:mirror_name</c>,
/// <c>name=map:data_point</c>, <c>name=map:data_point@timestamp_column</c>, <c>name=ignore</c>, <c>name=defer</c>;
/// <c>=ignore</c> names the column whose name is empty.
/// </summary>
public static class ColumnActionSyntax
{
    public static ColumnAction Parse(string text)
    {
        // Source names may themselves contain '=' or ':'; the split is at the last '=' followed by an action.
        // A name may also be empty (SQLite allows a column named ""): "=ignore".
        for (var i = text.Length - 1; i >= 0; i--)
        {
            if (text[i] != '=')
                continue;
            var rest = text[(i + 1)..];
            var separator = rest.IndexOf(':');
            var action = separator < 0 ? rest : rest[..separator];
            if (!ColumnAction.Actions.Contains(action))
                continue;
            var name = text[..i];
            var argument = separator < 0 ? null : rest[(separator + 1)..];
            return action switch
            {
                "mirror" => new ColumnAction(name, action, MirrorColumnName: NullIfEmpty(argument)),
                "map" => Map(name, argument),
                _ when argument is not null => throw new CliException($"--column {text}: '{action}' takes no argument"),
                _ => new ColumnAction(name, action),
            };
        }
        throw new CliException($"--column {text}: expected NAME=ACTION with ACTION one of {string.Join(", ", ColumnAction.Actions)} (e.g. temp=mirror, temp=mirror:temp_c, temp=map:temperature@ts, notes=ignore)");
    }

    private static ColumnAction Map(string name, string? argument)
    {
        if (string.IsNullOrEmpty(argument))
            throw new CliException($"--column {name}=map needs a data point: {name}=map:DATA_POINT[@TIMESTAMP_COLUMN]");
        var at = argument.LastIndexOf('@');
        return at < 0
            ? new ColumnAction(name, "map", DataPoint: argument)
            : new ColumnAction(name, "map", DataPoint: argument[..at], TimestampColumn: NullIfEmpty(argument[(at + 1)..]));
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
