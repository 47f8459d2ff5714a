using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Npgsql;

namespace EdgeSync.Bench;

/// <summary>
/// Simple means of seeing where the time goes, without extra tools: CPU seconds of the node,
/// of PostgreSQL and of this process from <c>/proc</c>; <c>pg_stat_database</c> and
/// <c>pg_stat_all_tables</c> deltas; and a sampling "profiler" over <c>pg_stat_activity</c>
/// (what each backend of the benchmark database is doing, every few milliseconds).
/// </summary>
public static partial class Proc
{
    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);

    private static readonly double TicksPerSecond = Ticks();

    private static double Ticks()
    {
        try { return OperatingSystem.IsLinux() && SysConf(2 /* _SC_CLK_TCK */) is > 0 and var t ? t : 100; }
        catch (Exception) { return 100; }
    }

    public static bool Available => File.Exists("/proc/stat");

    /// <summary>(own CPU seconds, CPU seconds of reaped children), or null when the process is gone.</summary>
    public static (double Own, double Children, int ParentPid, string Comm)? Process(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var open = text.IndexOf('(');
            var close = text.LastIndexOf(')');
            var rest = text[(close + 2)..].Split(' ');
            double Field(int i) => long.Parse(rest[i], CultureInfo.InvariantCulture) / TicksPerSecond;
            return (Field(11) + Field(12), Field(13) + Field(14), int.Parse(rest[1], CultureInfo.InvariantCulture), text[(open + 1)..close]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// CPU seconds of every process (name, own CPU); the reaped children of a process whose
    /// parent has another name (the postmaster, a shell) are added under pid -pid.
    /// </summary>
    public static Dictionary<int, (string Comm, double Cpu)> All()
    {
        var result = new Dictionary<int, (string, double)>();
        if (!Available)
            return result;
        var raw = new Dictionary<int, (double Own, double Children, int ParentPid, string Comm)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Process(pid) is { } p)
                raw[pid] = p;
        foreach (var (pid, p) in raw)
        {
            result[pid] = (p.Comm, p.Own);
            if (p.Children > 0 && (!raw.TryGetValue(p.ParentPid, out var parent) || parent.Comm != p.Comm))
                result[-pid] = (p.Comm, p.Children);
        }
        return result;
    }

    /// <summary>Busy, total, steal and interrupt CPU seconds of the whole machine (all cores).</summary>
    public static (double Busy, double Total, double Steal, double Interrupts) Machine()
    {
        if (!Available)
            return (0, 0, 0, 0);
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(x => long.Parse(x, CultureInfo.InvariantCulture) / TicksPerSecond).ToArray();
        var total = f.Take(8).Sum(); // user nice system idle iowait irq softirq steal
        return (total - f[3] - f[4], total, f[7], f[5] + f[6]);
    }
}

/// <summary>CPU seconds spent by each party between <see cref="Start"/> and <see cref="Stop"/>.</summary>
public sealed class CpuMeter
{
    private readonly int _nodePid;
    private Dictionary<int, (string Comm, double Cpu)> _before = [];
    private (double Busy, double Total, double Steal, double Interrupts) _machine;
    private long _started;

    private CpuMeter(int nodePid) => _nodePid = nodePid;

    /// <param name="nodePid">the node's process, or 0 when no node runs.</param>
    public static CpuMeter Start(int nodePid) => new(nodePid)
    {
        _before = Proc.All(),
        _machine = Proc.Machine(),
        _started = Stopwatch.GetTimestamp(),
    };

    /// <param name="ourBackends">pids of the backends of the benchmark database (from pg_stat_activity).</param>
    public CpuUse Stop(IReadOnlyCollection<int> ourBackends)
    {
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var after = Proc.All();
        var machine = Proc.Machine();
        var self = Environment.ProcessId;
        var deltas = after.Select(kv => (Pid: kv.Key, kv.Value.Comm, Cpu: kv.Value.Cpu - (_before.TryGetValue(kv.Key, out var b) ? b.Cpu : 0)))
            .Where(d => d.Cpu > 0).ToList();
        double Sum(Func<(int Pid, string Comm, double Cpu), bool> which) => deltas.Where(which).Sum(d => d.Cpu);
        var node = _nodePid == 0 ? 0 : Sum(d => d.Pid == _nodePid);
        var postgres = Sum(d => d.Comm == "postgres");
        var ours = Sum(d => d.Comm == "postgres" && ourBackends.Contains(d.Pid));
        var bench = Sum(d => d.Pid == self);
        // Other load: what the machine did besides us (reaped children of other processes are
        // credited when reaped, not when spent, so they only name the culprits).
        var others = deltas.Where(d => d.Pid > 0 && d.Pid != _nodePid && d.Pid != self && d.Comm != "postgres")
            .GroupBy(d => d.Comm).Select(g => (Name: g.Key, Cpu: g.Sum(d => d.Cpu))).OrderByDescending(g => g.Cpu).ToList();
        var (busy, interrupts) = (machine.Busy - _machine.Busy, machine.Interrupts - _machine.Interrupts);
        return new CpuUse(wall, Environment.ProcessorCount, node, postgres, ours, bench,
            busy, machine.Total - _machine.Total, machine.Steal - _machine.Steal, interrupts,
            Math.Max(0, busy - interrupts - node - ours - bench), others.Take(4).ToDictionary(o => o.Name, o => Math.Round(o.Cpu, 2)));
    }
}

/// <param name="Other">busy CPU seconds of the machine not spent by the node, the benchmark database's backends, the benchmark or interrupts.</param>
/// <param name="OtherProcesses">CPU seconds of the busiest other (still running) processes, by name.</param>
public sealed record CpuUse(double WallSeconds, int Cores, double Node, double Postgres, double PostgresBenchDb, double BenchClient,
    double MachineBusy, double MachineTotal, double Steal, double Interrupts, double Other, Dictionary<string, double> OtherProcesses)
{
    public double MachineUtilization => MachineTotal > 0 ? MachineBusy / MachineTotal : 0;
    public string Describe() => MachineTotal <= 0
        ? "CPU: /proc not available"
        : $"CPU over {WallSeconds:0.0} s on {Cores} cores: machine {MachineUtilization:P0} busy; " +
            $"{(Node > 0 ? $"node {Node:0.0} s ({Node / WallSeconds:0.00} cores), " : "")}" +
            $"postgres backends of the benchmark db {PostgresBenchDb:0.0} s ({PostgresBenchDb / WallSeconds:0.00} cores; all postgres processes {Postgres:0.0} s), " +
            $"bench client {BenchClient:0.0} s ({BenchClient / WallSeconds:0.00} cores), interrupts {Interrupts:0.0} s, steal {Steal:0.0} s, " +
            $"other load {Other:0.0} s{(OtherProcesses.Count > 0 ? $" ({string.Join(", ", OtherProcesses.Select(o => $"{o.Key} {o.Value:0.0}"))})" : "")}";
}

/// <summary>Counters of pg_stat_database (benchmark database) and tuple counts of pg_stat_all_tables.</summary>
public sealed record PgStats(Dictionary<string, long> Database, Dictionary<string, (long Ins, long Upd, long Del, long HotUpd)> Tables)
{
    private static readonly string[] DatabaseColumns =
        ["xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted", "tup_fetched", "tup_returned", "blks_read", "blks_hit", "temp_files", "deadlocks", "sessions"];

    public static async Task<PgStats> ReadAsync(NpgsqlDataSource db)
    {
        var database = new Dictionary<string, long>();
        await using (var command = db.CreateCommand($"SELECT {string.Join(", ", DatabaseColumns)} FROM pg_stat_database WHERE datname = current_database()"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            for (var i = 0; i < DatabaseColumns.Length; i++)
                database[DatabaseColumns[i]] = reader.IsDBNull(i) ? 0 : Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
        }
        await using (var command = db.CreateCommand(
            "SELECT coalesce(sum(autovacuum_count), 0)::bigint, coalesce(sum(autoanalyze_count), 0)::bigint FROM pg_stat_all_tables"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            database["autovacuum_runs"] = reader.GetInt64(0);
            database["autoanalyze_runs"] = reader.GetInt64(1);
        }
        var tables = new Dictionary<string, (long, long, long, long)>();
        await using (var command = db.CreateCommand(
            "SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd FROM pg_stat_all_tables"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                tables[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        }
        return new PgStats(database, tables);
    }

    public static (Dictionary<string, long> Database, List<TableDelta> Tables) Delta(PgStats before, PgStats after)
    {
        var database = after.Database.ToDictionary(kv => kv.Key, kv => kv.Value - before.Database.GetValueOrDefault(kv.Key));
        var tables = new Dictionary<string, TableDelta>();
        foreach (var (name, a) in after.Tables)
        {
            var b = before.Tables.GetValueOrDefault(name);
            // The mirror tables are many and alike: one line for all of them.
            var key = name.StartsWith("edge_mirror.", StringComparison.Ordinal) ? "edge_mirror.* (all mirror tables)" : name;
            var t = tables.GetValueOrDefault(key) ?? new TableDelta(key, 0, 0, 0, 0);
            tables[key] = t with { Ins = t.Ins + a.Ins - b.Ins, Upd = t.Upd + a.Upd - b.Upd, Del = t.Del + a.Del - b.Del, HotUpd = t.HotUpd + a.HotUpd - b.HotUpd };
        }
        return (database, tables.Values.Where(t => t.Ins + t.Upd + t.Del > 0).ToList());
    }
}

public sealed record TableDelta(string Table, long Ins, long Upd, long Del, long HotUpd);

/// <summary>
/// Samples pg_stat_activity of the benchmark database: a statistical picture of how many
/// backends are running a statement (and which), waiting inside an open transaction for the
/// node's next statement ("idle in transaction"), or idle in the pool.
/// </summary>
public sealed partial class ActivitySampler : IAsyncDisposable
{
    private readonly NpgsqlDataSource _db;
    private readonly TimeSpan _period;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, long> _states = [];
    private readonly Dictionary<string, long> _statements = [];
    private readonly Dictionary<string, long> _waits = [];
    private readonly HashSet<int> _pids = [];
    private Func<int>? _inFlight;
    private long _inFlightSum;
    private Task? _loop;

    public int Samples { get; private set; }
    public IReadOnlyCollection<int> Pids => _pids;

    private ActivitySampler(NpgsqlDataSource db, TimeSpan period)
    {
        _db = db;
        _period = period;
    }

    /// <param name="inFlight">how many batches the devices have published and not yet seen acknowledged.</param>
    public static ActivitySampler Start(NpgsqlDataSource db, TimeSpan period, bool sample, Func<int>? inFlight = null)
    {
        var sampler = new ActivitySampler(db, period) { _inFlight = inFlight };
        sampler._loop = sampler.RunAsync(sample);
        return sampler;
    }

    private async Task RunAsync(bool sample)
    {
        await using var connection = await _db.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT pid, coalesce(state, ''), coalesce(wait_event_type || ':' || wait_event, ''), left(query, 400), backend_type
            FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            """, connection);
        var period = sample ? _period : TimeSpan.FromSeconds(1); // without profiling: only the pids, for the CPU split
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using (var reader = await command.ExecuteReaderAsync(_stop.Token))
                {
                    Samples++;
                    _inFlightSum += _inFlight?.Invoke() ?? 0;
                    while (await reader.ReadAsync(_stop.Token))
                    {
                        _pids.Add(reader.GetInt32(0));
                        if (!sample || reader.GetString(4) != "client backend")
                            continue;
                        var state = reader.GetString(1);
                        Count(_states, state);
                        if (state is "active" or "idle in transaction")
                            Count(_statements, $"{state,-19} | {Normalize(reader.GetString(3))}");
                        if (state == "active")
                            Count(_waits, reader.GetString(2) is { Length: > 0 } w ? w : "(on CPU)");
                    }
                }
                await Task.Delay(period, _stop.Token);
            }
            catch (OperationCanceledException) { break; }
        }
    }

    private static void Count(Dictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    [GeneratedRegex(@"\s+")] private static partial Regex Spaces();
    [GeneratedRegex(@"edge_mirror_[0-9a-f]{8}_[a-z0-9_]+")] private static partial Regex MirrorName();
    [GeneratedRegex(@"\b\d+\b")] private static partial Regex Numbers();

    public static string Normalize(string query)
    {
        var q = Spaces().Replace(query, " ").Trim();
        q = Numbers().Replace(MirrorName().Replace(q, "edge_mirror_<t>"), "N");
        return q.Length > 110 ? q[..110] + "…" : q;
    }

    public async Task<ActivityProfile> StopAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
            await _loop;
        // The backends still open now (pooled) ran in the phase too, however short it was.
        await using (var command = _db.CreateCommand("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                _pids.Add(reader.GetInt32(0));
        return new ActivityProfile(Samples, _pids.Count, Samples == 0 ? 0 : (double)_inFlightSum / Samples,
            _states.ToDictionary(kv => kv.Key, kv => kv.Value),
            _statements.OrderByDescending(kv => kv.Value).Take(25).Select(kv => new StatementShare(kv.Key, kv.Value)).ToList(),
            _waits.OrderByDescending(kv => kv.Value).Take(10).ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
            await StopAsync();
        _stop.Dispose();
    }
}

public sealed record StatementShare(string Statement, long Samples);

/// <param name="AverageInFlight">batches published and not yet acknowledged, on average over the samples.</param>
/// <param name="States">backend-samples per state (active, idle in transaction, idle).</param>
/// <param name="Statements">backend-samples per (state, normalized statement), most frequent first.</param>
/// <param name="Waits">backend-samples of active backends per wait event.</param>
public sealed record ActivityProfile(int Samples, int DistinctBackends, double AverageInFlight, Dictionary<string, long> States, List<StatementShare> Statements, Dictionary<string, long> Waits);
