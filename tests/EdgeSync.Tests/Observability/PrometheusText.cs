using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeSync.Tests.Observability;

/// <summary>Samples of a Prometheus text exposition, looked up by metric name and a subset of labels.</summary>
public sealed partial class PrometheusText(string text)
{
    public string Text => text;

    /// <summary>The samples of <paramref name="metric"/> whose labels include all of <paramref name="labels"/> (name=value).</summary>
    public IReadOnlyList<double> Samples(string metric, params (string Name, string Value)[] labels)
    {
        var found = new List<double>();
        foreach (Match line in Sample().Matches(text))
        {
            if (line.Groups["name"].Value != metric)
                continue;
            var present = Label().Matches(line.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (labels.All(l => present.TryGetValue(l.Name, out var v) && v == l.Value))
                found.Add(double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture));
        }
        return found;
    }

    /// <summary>The sum of the matching samples; null when there is none.</summary>
    public double? Sum(string metric, params (string Name, string Value)[] labels) =>
        Samples(metric, labels) is { Count: > 0 } samples ? samples.Sum() : null;

    public bool Has(string metric) => Samples(metric).Count > 0;

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Label();
}
