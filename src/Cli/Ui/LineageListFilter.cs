using EdgeSync.Cli.Api;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// The lineage list's filter as typed after <c>/</c>: <c>status:</c>, <c>table:</c> and <c>device:</c>
/// terms go to the API (they narrow every page); the remaining words must all appear in the row's
/// device, table or status (case-insensitive) on the page shown.
/// </summary>
public sealed record LineageListFilter(LineageFilter Server, IReadOnlyList<string> Words, string Text)
{
    public static LineageListFilter None { get; } = new(new LineageFilter(), [], "");

    public bool IsEmpty => Text.Length == 0;

    public static LineageListFilter Parse(string text)
    {
        var server = new LineageFilter();
        var words = new List<string>();
        foreach (var term in text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = term.IndexOf(':');
            var (name, value) = colon > 0 ? (term[..colon].ToLowerInvariant(), term[(colon + 1)..]) : ("", term);
            server = name switch
            {
                "status" => server with { Status = value },
                "table" => server with { SourceTable = value },
                "device" => server with
                {
                    DeviceId = Guid.TryParse(value, out var device) ? device : throw new CliException($"device:{value} is not a device id (a UUID; see `edgesync devices list`)"),
                },
                _ => server,
            };
            if (name is not ("status" or "table" or "device"))
                words.Add(term);
        }
        return new LineageListFilter(server, words, text.Trim());
    }

    public bool Matches(LineageSummary lineage) => Words.All(word =>
        lineage.DeviceName.Contains(word, StringComparison.OrdinalIgnoreCase)
        || lineage.SourceTable.Contains(word, StringComparison.OrdinalIgnoreCase)
        || lineage.Status.Contains(word, StringComparison.OrdinalIgnoreCase));
}
