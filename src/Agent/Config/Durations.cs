using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeSync.Agent.Config;

/// <summary>Reads durations such as <c>5s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>, a bare number of seconds, or <c>00:00:05</c>.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^\s*(?<n>[0-9]+(?:\.[0-9]+)?)\s*(?<unit>ms|s|m|h)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static TimeSpan Parse(string field, string text)
    {
        var match = Pattern().Match(text);
        if (match.Success)
        {
            var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            var value = match.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromSeconds(n),
            };
            if (value > TimeSpan.Zero)
                return value;
        }
        else if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
            return span;
        throw new ConfigException($"{field} '{text}' is not a positive duration such as 5s, 500ms or 1m");
    }
}
