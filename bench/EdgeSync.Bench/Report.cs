using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeSync.Bench;

public sealed record Percentiles(int Count, double P50, double P95, double P99, double Max, double Mean)
{
    public static Percentiles Of(List<double> values)
    {
        if (values.Count == 0)
            return new Percentiles(0, 0, 0, 0, 0, 0);
        var sorted = values.Order().ToArray();
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted.Length, At(50), At(95), At(99), sorted[^1], sorted.Average());
    }
}

/// <param name="RowsPerSecondTimeline">rows acknowledged in each second of the measured phase.</param>
public sealed record EndToEndResult(long Rows, int Batches, long PayloadBytes, double PublishSeconds, double Seconds,
    Percentiles PubackMs, long[] RowsPerSecondTimeline, CpuUse Cpu)
{
    public double RowsPerSecond => Rows / Seconds;
    public double DrainSeconds => Seconds - PublishSeconds;

    /// <summary>Rows acknowledged per second over the second half of the publish phase (the node warmed up: JIT tiering, caches).</summary>
    public double SecondHalfRowsPerSecond { get; init; }
}

public sealed record BaselineResult(string Name, string Kind, int Connections, long Rows, double Seconds, CpuUse Cpu)
{
    public double RowsPerSecond => Rows / Seconds;
}

public sealed record ProfileResult(ActivityProfile Activity, Dictionary<string, long> Database, List<TableDelta> Tables);

public sealed class BenchResult
{
    public const double TargetRatio = 0.30;

    public DateTimeOffset Timestamp { get; } = DateTimeOffset.UtcNow;
    public string? GitCommit { get; } = Git("rev-parse", "--short", "HEAD");
    public int Cores { get; } = Environment.ProcessorCount;
    public required BenchOptions Parameters { get; init; }
    public required string Database { get; init; }
    public required string Silo { get; init; }
    public Dictionary<string, double> Warmup { get; } = [];
    public Dictionary<string, string> Postgres { get; } = [];
    public EndToEndResult? EndToEnd { get; set; }
    public List<BaselineResult> Baselines { get; } = [];
    public ProfileResult? Profile { get; set; }
    public NodeParts? NodeParts { get; set; }
    public List<string> Problems { get; } = [];

    /// <summary>The denominator: the faster of the pure COPY runs (the stricter comparison).</summary>
    public BaselineResult? Copy => Baselines.Where(b => b.Kind == nameof(BaselineKind.Copy)).MaxBy(b => b.RowsPerSecond);
    public double? Ratio => EndToEnd is { } e && Copy is { } c ? e.RowsPerSecond / c.RowsPerSecond : null;
    public bool MeetsTarget => Ratio >= TargetRatio;
    public bool Verified => Problems.Count == 0;

    private static string? Git(params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
                info.ArgumentList.Add(a);
            using var git = Process.Start(info)!;
            var text = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? text : null;
        }
        catch (Exception) { return null; }
    }
}

public static class Report
{
    public static long[] Timeline(List<(double AtSeconds, int Rows)> acks, double seconds)
    {
        var buckets = new long[Math.Max(1, (int)Math.Ceiling(seconds))];
        foreach (var (at, rows) in acks)
            buckets[Math.Min(buckets.Length - 1, (int)at)] += rows;
        return buckets;
    }

    public static void Print(BenchResult r, TextWriter w)
    {
        var o = r.Parameters;
        var e = r.EndToEnd!;
        w.WriteLine();
        w.WriteLine($"EdgeSync benchmark — {o.Devices} devices x {o.Tables} tables x {o.Batches} batches x {o.Rows} rows " +
                    $"({o.Devices * o.Tables} lineages, in-flight {o.InFlight}, {o.UpdatePercent}% in-batch updates, measured after {o.WarmupBatches} live warm-up batch(es) per table, {o.Layout} mirrors), " +
                    $"{r.Cores} cores, commit {r.GitCommit ?? "?"}");
        w.WriteLine($"PostgreSQL {string.Join(", ", r.Postgres.Select(kv => kv.Key == "server_version" ? kv.Value : $"{kv.Key}={kv.Value}"))}");
        w.WriteLine();
        w.WriteLine($"  {"",-46} {"rows",10} {"seconds",9} {"rows/s",10} {"vs COPY",8}");
        var copy = r.Copy!;
        void Line(string name, long rows, double seconds, double rate) =>
            w.WriteLine($"  {name,-46} {rows,10:N0} {seconds,9:0.00} {rate,10:N0} {rate / copy.RowsPerSecond,8:0.00}");
        Line(r.Parameters.Broker == "external" ? "end to end (MQTT via Mosquitto -> mirror rows)" : "end to end (MQTT publish -> mirror rows)", e.Rows, e.Seconds, e.RowsPerSecond);
        foreach (var b in r.Baselines)
            Line(b.Name, b.Rows, b.Seconds, b.RowsPerSecond);
        w.WriteLine();
        w.WriteLine($"  ratio end-to-end / COPY = {r.Ratio:0.000}  (target >= {BenchResult.TargetRatio:0.00}: {(r.MeetsTarget ? "met" : "NOT met")})");
        w.WriteLine($"  PUBACK latency ms: p50 {e.PubackMs.P50:0.0}  p95 {e.PubackMs.P95:0.0}  p99 {e.PubackMs.P99:0.0}  max {e.PubackMs.Max:0.0}  ({e.Batches} publishes)");
        w.WriteLine($"  phases: publish {e.PublishSeconds:0.00} s (first publish -> last PUBACK), drain {e.DrainSeconds * 1000:0} ms (-> last row visible); " +
                    $"{e.PayloadBytes / 1048576.0 / e.PublishSeconds:0.0} MiB/s of JSON");
        w.WriteLine($"  acknowledged rows/s per second: {string.Join(' ', e.RowsPerSecondTimeline)}; second half of the publish phase {e.SecondHalfRowsPerSecond:N0} rows/s");
        w.WriteLine($"  {e.Cpu.Describe()}");
        if (e.Cpu.MachineTotal > 0 && e.Cpu.Other > 0.1 * e.Cpu.MachineTotal)
            w.WriteLine($"  WARNING: other load took {e.Cpu.Other / e.Cpu.MachineTotal:P0} of the machine during the measured phase: the figures are pessimistic");
        w.WriteLine($"  CPU per row end to end: node {e.Cpu.Node / e.Rows * 1e6:0.0} us, postgres (benchmark db backends) {e.Cpu.PostgresBenchDb / e.Rows * 1e6:0.0} us");
        if (r.NodeParts is { } parts)
            w.WriteLine($"  node code in isolation ({parts.Rows:N0} rows, one thread, after {NodePartsMeter.WarmupRounds} warm-up rounds): RowBatchReader.Read {parts.ReadAndValidateUs:0.00} us/row " +
                        $"(a plain JsonDocument.Parse of the same payloads: {parts.JsonParseUs:0.00})");
        foreach (var b in r.Baselines)
            w.WriteLine($"  CPU per row [{b.Name}]: postgres (benchmark db backends) {b.Cpu.PostgresBenchDb / b.Rows * 1e6:0.0} us, bench client {b.Cpu.BenchClient / b.Rows * 1e6:0.0} us " +
                        $"(machine {b.Cpu.MachineUtilization:P0} busy, other load {b.Cpu.Other:0.0} s)");
        w.WriteLine($"  warm-up: {string.Join(", ", r.Warmup.Select(kv => $"{kv.Key} {kv.Value:0.0}"))}");

        if (r.Profile is { } p)
        {
            var batches = e.Batches;
            var states = p.Activity.States;
            var samples = Math.Max(1, p.Activity.Samples);
            var all = Math.Max(1, states.Values.Sum());
            w.WriteLine();
            w.WriteLine($"  pg_stat_activity, {p.Activity.Samples} samples of the benchmark database's client backends (average backends per sample):");
            w.WriteLine("    " + string.Join(", ", states.OrderByDescending(kv => kv.Value).Select(kv => $"{(kv.Key == "" ? "?" : kv.Key)} {(double)kv.Value / samples:0.0}")));
            w.WriteLine("    active backends by wait: " + string.Join(", ", p.Activity.Waits.Select(kv => $"{kv.Key} {(double)kv.Value / samples:0.00}")));
            // Little's law: backends in a state on average / batches per second = time per batch in that state.
            var rate = batches / e.PublishSeconds;
            double PerBatch(double average) => average / rate * 1000;
            var clientRead = (double)p.Activity.Waits.GetValueOrDefault("Client:ClientRead") / samples;
            var active = (double)states.GetValueOrDefault("active") / samples;
            var inTransaction = (double)states.GetValueOrDefault("idle in transaction") / samples;
            w.WriteLine($"    per batch by Little's law ({p.Activity.AverageInFlight:0.0} batches in flight on average, {rate:0.0} batches/s -> " +
                        $"{PerBatch(p.Activity.AverageInFlight):0} ms each; measured mean PUBACK {e.PubackMs.Mean:0} ms):");
            w.WriteLine($"      {PerBatch(active - clientRead),6:0} ms  PostgreSQL executing a statement (active, not waiting for the client)");
            w.WriteLine($"      {PerBatch(clientRead),6:0} ms  PostgreSQL waiting for the node inside a statement (ClientRead: COPY data)");
            w.WriteLine($"      {PerBatch(inTransaction),6:0} ms  transaction open, between statements (node computing, round trip, or waiting for CPU)");
            w.WriteLine($"      {PerBatch(p.Activity.AverageInFlight - active - inTransaction),6:0} ms  no transaction open (MQTT, parse/validate, grain queue, connection pool, PUBACK)");
            var busy = Math.Max(1, p.Activity.Statements.Sum(s => s.Samples));
            w.WriteLine("    statement shares of 'active' + 'idle in transaction' samples (idle in transaction = the node holds the");
            w.WriteLine("    transaction open after that statement, working or waiting on something else):");
            foreach (var s in p.Activity.Statements.Take(14))
                w.WriteLine($"    {100.0 * s.Samples / busy,5:0.0}%  {s.Statement}");
            w.WriteLine();
            w.WriteLine($"  pg_stat_database per measured batch ({batches} batches): " + string.Join(", ",
                new[] { "xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted", "tup_fetched" }
                    .Select(k => $"{k} {(double)p.Database.GetValueOrDefault(k) / batches:0.0}")) +
                $"; in the phase: {p.Database.GetValueOrDefault("sessions")} new sessions (connections), {p.Activity.DistinctBackends} distinct backends seen, " +
                $"autovacuum runs {p.Database.GetValueOrDefault("autovacuum_runs")}, autoanalyze runs {p.Database.GetValueOrDefault("autoanalyze_runs")}");
            w.WriteLine("  tuples written per measured batch, by table (ins/upd/del):");
            foreach (var t in p.Tables.Take(12))
                w.WriteLine($"    {t.Table,-52} {(double)t.Ins / batches,8:0.0} {(double)t.Upd / batches,7:0.0} {(double)t.Del / batches,7:0.0}");
        }

        w.WriteLine();
        if (r.Problems.Count == 0)
            w.WriteLine("  verified: every mirror and baseline table holds exactly the rows the devices sent");
        else
            foreach (var problem in r.Problems)
                w.WriteLine($"  PROBLEM: {problem}");
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML
    };

    public static void WriteJson(BenchResult r, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var o = r.Parameters;
        var e = r.EndToEnd!;
        var document = new
        {
            r.Timestamp,
            r.GitCommit,
            r.Cores,
            r.Postgres,
            Parameters = new { o.Devices, o.Tables, o.Batches, o.Rows, o.InFlight, o.UpdatePercent, o.WarmupRows, o.WarmupBatches, o.Quick, o.Seed, o.Broker, o.Layout, Lineages = o.Devices * o.Tables },
            EndToEnd = new
            {
                e.Rows, e.Batches, e.PayloadBytes, e.Seconds, e.RowsPerSecond, e.SecondHalfRowsPerSecond, e.PublishSeconds, e.DrainSeconds,
                PubackMs = e.PubackMs, e.RowsPerSecondTimeline, e.Cpu,
            },
            Copy = r.Copy is { } c ? new { c.Name, c.Connections, c.Rows, c.Seconds, c.RowsPerSecond } : null,
            Baselines = r.Baselines.Select(b => new { b.Name, b.Kind, b.Connections, b.Rows, b.Seconds, b.RowsPerSecond, b.Cpu }),
            r.Ratio,
            TargetRatio = BenchResult.TargetRatio,
            r.MeetsTarget,
            r.Verified,
            r.Problems,
            r.Warmup,
            r.Profile,
            r.NodeParts,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json) + "\n");
        var history = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $"{r.Timestamp:yyyyMMdd-HHmmss}.json");
        File.Copy(path, history, overwrite: true);
    }
}
