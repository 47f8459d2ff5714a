using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeSync.Bench;

/// <summary>
/// The node's own view of acknowledgement latency: the cumulative buckets of accepted row batches
/// in <c>edgesync_ingest_ack_latency_seconds</c>, scraped from <c>/metrics</c>. Two scrapes give
/// the histogram of the uplinks in between, so the device's latency can be split into the node's
/// part (receipt to PUBACK) and the rest (the client, the network, the wait to be read).
/// </summary>
public sealed partial class NodeAckHistogram
{
    private readonly SortedDictionary<double, double> _buckets;
    private readonly string _text;

    private NodeAckHistogram(SortedDictionary<double, double> buckets, string text) => (_buckets, _text) = (buckets, text);

    public static async Task<NodeAckHistogram> ScrapeAsync(int httpPort, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var text = await http.GetStringAsync($"http://127.0.0.1:{httpPort}/metrics", ct);
        var buckets = new SortedDictionary<double, double>();
        foreach (Match m in Bucket().Matches(text))
        {
            var labels = m.Groups["labels"].Value;
            if (!labels.Contains("result=\"accepted\"", StringComparison.Ordinal) || !labels.Contains("uplink=\"sync/rows/batch\"", StringComparison.Ordinal))
                continue;
            var le = m.Groups["le"].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups["le"].Value, CultureInfo.InvariantCulture);
            buckets[le] = double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return new NodeAckHistogram(buckets, text);
    }

    /// <summary>The upper bound of the bucket holding the <paramref name="p"/> quantile of the uplinks since <paramref name="before"/>.</summary>
    public double QuantileSince(NodeAckHistogram before, double p)
    {
        var delta = _buckets.Select(b => (Le: b.Key, Count: b.Value - before._buckets.GetValueOrDefault(b.Key))).ToList();
        var total = delta.Count > 0 ? delta[^1].Count : 0;
        if (total <= 0)
            return double.NaN;
        return delta.First(b => b.Count >= p * total).Le;
    }

    /// <summary>
    /// Where the node's time went between two scrapes: the mean duration and count of grain calls
    /// (Orleans' request latency, in ms) and of PostgreSQL statements (Npgsql, in s), from the
    /// libraries' own histograms.
    /// </summary>
    public string BreakdownSince(NodeAckHistogram before, long batches)
    {
        (double Sum, double Count) Delta(string histogram) =>
            (Total(_text, histogram + "_sum") - Total(before._text, histogram + "_sum"), Total(_text, histogram + "_count") - Total(before._text, histogram + "_count"));
        var grain = Delta("orleans_app_requests_latency_milliseconds");
        var db = Delta("db_client_operation_duration_seconds");
        return $"node breakdown over {batches} batches: grain calls {grain.Count:N0}, mean {grain.Sum / Math.Max(1, grain.Count):0.0} ms; "
            + $"PostgreSQL operations {db.Count:N0} ({db.Count / Math.Max(1, batches):0.0} per batch), mean {db.Sum / Math.Max(1, db.Count) * 1000:0.00} ms, "
            + $"{db.Sum * 1000 / Math.Max(1, batches):0.0} ms per batch";
    }

    private static double Total(string text, string metric) =>
        Regex.Matches(text, $@"^{Regex.Escape(metric)}(\{{[^}}]*\}})? (\S+)", RegexOptions.Multiline)
            .Sum(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex("""^edgesync_ingest_ack_latency_seconds_bucket\{(?<labels>[^}]*le="(?<le>[^"]+)"[^}]*)\} (?<value>\S+)""", RegexOptions.Multiline)]
    private static partial Regex Bucket();
}
