using System.Diagnostics;
using EdgeSync.Api.Auth;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace EdgeSync.Bench;

/// <summary>
/// One benchmark run: fresh database → node → warm-up (registration, first batches, reviews
/// approved, replays done) → measured publish phase → drain → verification → node stopped →
/// COPY baselines on the same rows → report. The database is dropped at the end.
/// </summary>
public sealed class BenchRun(BenchOptions o, CancellationToken ct)
{
    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public async Task<int> RunAsync()
    {
        var repo = RepoRoot();
        var silo = Path.GetFullPath(o.SiloDll ?? Path.Combine(repo, "src", "Silo", "bin", "Release", "net10.0", "EdgeSync.Silo.dll"));
        if (!File.Exists(silo))
            throw new FileNotFoundException($"{silo} not found: build it first (dotnet build src/Silo -c Release, or scripts/bench.sh)");
        var output = o.Output ?? Path.Combine(repo, "bench", "results", "latest.json");

        var admin = new NpgsqlConnectionStringBuilder(o.Pg);
        var database = $"edgesync_bench_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Guid.NewGuid():N}"[..40];
        var target = new NpgsqlConnectionStringBuilder(o.Pg) { Database = database };
        await using (var server = NpgsqlDataSource.Create(admin.ConnectionString))
        await using (var create = server.CreateCommand($"CREATE DATABASE \"{database}\""))
            await create.ExecuteNonQueryAsync(ct);
        Log($"database {database} on {admin.Host}:{admin.Port}");

        var result = new BenchResult { Parameters = o, Database = database, Silo = silo };
        try
        {
            await using (var server = NpgsqlDataSource.Create(admin.ConnectionString))
                foreach (var setting in new[] { "server_version", "fsync", "synchronous_commit", "shared_buffers", "max_connections" })
                {
                    await using var show = server.CreateCommand($"SHOW {setting}");
                    result.Postgres[setting] = (string)(await show.ExecuteScalarAsync(ct))!;
                }
            await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(target.ConnectionString)
            {
                MaxPoolSize = Math.Max(100, o.Devices + 10),
                CommandTimeout = 600,
            }.ConnectionString);
            await RunEndToEndAsync(silo, target.ConnectionString, db, result);
            await RunBaselinesAsync(db, result);
        }
        finally
        {
            if (o.KeepDatabase)
                Log($"kept database {database}");
            else
                await DropDatabaseAsync(admin.ConnectionString, database);
        }

        Report.Print(result, Console.Out);
        Report.WriteJson(result, output);
        Log($"results written to {output}");
        return result.Problems.Count == 0 ? 0 : 1;
    }

    private readonly List<TableStream> _streams = [];
    private int _inFlight;
    private List<byte[]> _sample = [];
    private List<DeviceClient> _devices = [];

    /// <summary>Where devices connect: the node's broker, or the external one it consumes from (its node inherits the Mqtt__ settings).</summary>
    private int DevicePort(Node node) =>
        o.Broker == "external" ? new Uri(Environment.GetEnvironmentVariable("Mqtt__External__Url")!).Port : node.MqttPort;

    private async Task RunEndToEndAsync(string silo, string connectionString, NpgsqlDataSource db, BenchResult result)
    {
        var phase = Stopwatch.StartNew();
        await using var node = await Node.StartAsync(silo, connectionString, TimeSpan.FromMinutes(3));
        result.Warmup["node_start_s"] = phase.Elapsed.TotalSeconds;
        Log($"node ready in {phase.Elapsed.TotalSeconds:0.0} s (pid {node.Pid}, http {node.HttpPort}, mqtt {node.MqttPort})");

        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Path.GetDirectoryName(silo)!, "appsettings.json"), optional: false)
            .AddJsonFile(Path.Combine(Path.GetDirectoryName(silo)!, "appsettings.Production.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        using var api = new OperatorApi(node.HttpPort, DevTokens.Mint(configuration, ["PLATFORM_ADMIN"], "edgesync-bench"));

        try
        {
            // ---- Warm-up: registration, first batches, reviews, replays ------------------------
            phase.Restart();
            var project = await api.CreateProjectAsync($"bench-{Guid.NewGuid():N}"[..14]);
            var credentials = new DeviceCredentials[o.Devices];
            await Parallel.ForAsync(0, o.Devices, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
                async (i, _) => credentials[i] = await api.CreateDeviceAsync(project, $"gw-{i:D4}"));
            for (var d = 0; d < o.Devices; d++)
                for (var t = 0; t < o.Tables; t++)
                    _streams.Add(new TableStream(d, t) { DeviceId = credentials[d].Id });
            result.Warmup["register_s"] = phase.Elapsed.TotalSeconds;

            phase.Restart();
            var payloads = new Dictionary<TableStream, byte[][]>();
            long measuredRows = 0, payloadBytes = 0;
            foreach (var s in _streams)
            {
                var batches = s.Generate(o);
                payloads[s] = batches.Select((rows, b) => s.Payload(rows, withColumns: b == 0)).ToArray();
                measuredRows += batches.Skip(o.FirstMeasuredBatch).Sum(b => b.Length);
                payloadBytes += payloads[s].Skip(o.FirstMeasuredBatch).Sum(p => (long)p.Length);
            }
            var largest = payloads.Values.SelectMany(p => p).Max(p => p.Length);
            if (largest > 512 * 1024)
                throw new InvalidOperationException($"a batch payload is {largest} bytes, over the 512 KiB limit: use fewer --rows");
            result.Warmup["generate_s"] = phase.Elapsed.TotalSeconds;
            Log($"generated {measuredRows:N0} rows in {_streams.Count} tables ({payloadBytes / 1048576.0:0.0} MiB of JSON, largest batch {largest / 1024.0:0} KiB)");

            phase.Restart();
            _devices = new List<DeviceClient>(new DeviceClient[o.Devices]);
            await Parallel.ForAsync(0, o.Devices, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                async (i, _) => _devices[i] = await DeviceClient.ConnectAsync(DevicePort(node), credentials[i]));
            result.Warmup["connect_s"] = phase.Elapsed.TotalSeconds;

            phase.Restart();
            await Parallel.ForAsync(0, o.Devices, new ParallelOptions { MaxDegreeOfParallelism = o.Devices, CancellationToken = ct }, async (d, token) =>
            {
                foreach (var s in _streams.Where(s => s.DeviceIndex == d))
                    await _devices[d].PublishAsync(payloads[s][0], token);
            });
            result.Warmup["first_batches_s"] = phase.Elapsed.TotalSeconds;

            phase.Restart();
            // Through an external broker a PUBACK says the broker has the batch, not the node: wait for it.
            var reviews = await api.QueuedReviewsAsync(project);
            for (var waited = Stopwatch.StartNew(); reviews.Count < _streams.Count && o.Broker == "external" && waited.Elapsed < TimeSpan.FromSeconds(60);)
            {
                await Task.Delay(200, ct);
                reviews = await api.QueuedReviewsAsync(project);
            }
            if (reviews.Count != _streams.Count)
                throw new InvalidOperationException($"expected {_streams.Count} queued schema reviews after the first batches, found {reviews.Count}");
            var columns = TableStream.Columns.Select(c => c.Name).ToArray();
            await Parallel.ForEachAsync(reviews, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
                async (r, _) => await api.ApproveAllMirroredAsync(project, r.Id, columns, o.Layout));
            result.Warmup["approve_s"] = phase.Elapsed.TotalSeconds;

            phase.Restart();
            await WaitForReplaysAsync(api, project, db);
            result.Warmup["replay_s"] = phase.Elapsed.TotalSeconds;
            Log($"warm-up done: {_streams.Count} lineages approved and replayed " +
                $"(register {result.Warmup["register_s"]:0.0} s, connect {result.Warmup["connect_s"]:0.0} s, first batches {result.Warmup["first_batches_s"]:0.0} s, " +
                $"approve {result.Warmup["approve_s"]:0.0} s, replay {result.Warmup["replay_s"]:0.0} s)");

            // ---- Live warm-up: the path the measured phase takes, untimed --------------------------
            if (o.WarmupBatches > 0)
            {
                phase.Restart();
                var untimed = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, o.Devices).Select(d =>
                    Task.Run(() => PublishDeviceAsync(d, payloads, 1, o.WarmupBatches, untimed, [], []), ct)));
                result.Warmup["live_batches_s"] = phase.Elapsed.TotalSeconds;
                Log($"live warm-up done: {o.WarmupBatches} batch(es) per table in {phase.Elapsed.TotalSeconds:0.0} s");
            }

            // ---- Measured phase ----------------------------------------------------------------
            await QuiesceAsync(db);
            var statsBefore = await PgStats.ReadAsync(db);
            var cpu = CpuMeter.Start(node.Pid);
            await using var sampler = ActivitySampler.Start(db, TimeSpan.FromMilliseconds(o.SampleMs), o.Profile, () => Volatile.Read(ref _inFlight));
            Log($"measured phase: {o.Devices} devices x {o.Tables} tables x {o.Batches} batches x {o.Rows} rows, in-flight {o.InFlight}");

            var latencies = new List<double>(o.Devices * o.Tables * o.Batches);
            var acks = new List<(double AtSeconds, int Rows)>(latencies.Capacity);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, o.Devices).Select(d =>
                Task.Run(() => PublishDeviceAsync(d, payloads, o.FirstMeasuredBatch, o.Batches, clock, latencies, acks), ct)));
            var publishSeconds = clock.Elapsed.TotalSeconds;
            Log($"all {latencies.Count} batches acknowledged in {publishSeconds:0.00} s; waiting for the mirrors");
            var probes = await WaitForMirrorsAsync(db, TimeSpan.FromSeconds(Math.Max(120, publishSeconds * 10)));
            var visibleSeconds = clock.Elapsed.TotalSeconds;
            var activity = await sampler.StopAsync();
            var cpuUse = cpu.Stop(sampler.Pids);
            Log($"last row visible at {visibleSeconds:0.00} s ({probes} probe(s) after the last PUBACK)");

            _sample = payloads.Values.Take(40).SelectMany(p => p.Skip(o.FirstMeasuredBatch).Take(3)).ToList();
            payloads.Clear();
            result.EndToEnd = new EndToEndResult(measuredRows, latencies.Count, payloadBytes, publishSeconds, visibleSeconds,
                Percentiles.Of(latencies), Report.Timeline(acks, visibleSeconds), cpuUse)
            {
                SecondHalfRowsPerSecond = acks.Where(a => a.AtSeconds >= publishSeconds / 2).Sum(a => (long)a.Rows) / (publishSeconds / 2),
            };

            // ---- Checks and profile ------------------------------------------------------------
            // A coalesced table holds every device's rows: each stream is checked on its device's slice.
            result.Problems.AddRange(await VerifyAsync(db, _streams.Select(s => (s, $"\"{s.MirrorSchema}\".\"{s.MirrorTable}\" WHERE _edge_device_id = '{s.DeviceId}'")), "mirror"));
            var rejections = await api.RejectionCountAsync(project);
            if (rejections > 0)
                result.Problems.Add($"the node recorded {rejections} rejected batch(es)");
            var controls = _devices.Sum(d => d.ControlsReceived);
            if (controls > 0)
                result.Problems.Add($"devices received {controls} control message(s) (pause_lineage?) during the run");
            var staged = (await api.LineagesAsync(project)).Sum(l => l.StagedRowCount);
            if (staged > 0)
                result.Problems.Add($"{staged} rows are still staged after the run");
            if (o.Profile)
            {
                await QuiesceAsync(db); // backends flush their table statistics up to 10 s after going idle
                var (database, tables) = PgStats.Delta(statsBefore, await PgStats.ReadAsync(db));
                database["xact_commit"] -= activity.Samples; // the sampler's own queries
                result.Profile = new ProfileResult(activity, database, tables.OrderByDescending(t => t.Ins + t.Upd + t.Del).Take(16).ToList());
            }
        }
        catch
        {
            if (!string.IsNullOrWhiteSpace(node.Log))
                Log($"node log (last lines):\n{node.Log}");
            throw;
        }
        finally
        {
            await Task.WhenAll(_devices.Where(d => d is not null).Select(d => d.DisposeAsync().AsTask()));
        }
    }

    /// <summary>
    /// One device: its tables' batches in order, round robin over the tables, at most
    /// <c>--inflight</c> unacknowledged publishes; a table's next batch waits for the PUBACK of its
    /// previous one (a device never reorders a table's journal).
    /// </summary>
    private async Task PublishDeviceAsync(int d, Dictionary<TableStream, byte[][]> payloads, int firstBatch, int batchCount,
        Stopwatch clock, List<double> latencies, List<(double, int)> acks)
    {
        var device = _devices[d];
        using var window = new SemaphoreSlim(o.InFlight);
        await Task.WhenAll(_streams.Where(s => s.DeviceIndex == d).Select(async s =>
        {
            for (var b = firstBatch; b < firstBatch + batchCount; b++)
            {
                await window.WaitAsync(ct);
                try
                {
                    Interlocked.Increment(ref _inFlight);
                    var latency = await device.PublishAsync(payloads[s][b], ct);
                    Interlocked.Decrement(ref _inFlight);
                    var at = clock.Elapsed.TotalSeconds;
                    lock (latencies)
                    {
                        latencies.Add(latency.TotalMilliseconds);
                        acks.Add((at, o.Rows));
                    }
                }
                finally
                {
                    window.Release();
                }
            }
        }));
    }

    /// <summary>Every lineage active, nothing staged and its replay completed; learns the mirror tables.</summary>
    private async Task WaitForReplaysAsync(OperatorApi api, Guid project, NpgsqlDataSource db)
    {
        var byKey = _streams.ToDictionary(s => (s.DeviceId, s.Table));
        var done = new HashSet<Guid>();
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (done.Count < _streams.Count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"only {done.Count} of {_streams.Count} lineages finished their replay in 10 minutes");
            var candidates = (await api.LineagesAsync(project)).Where(l => !done.Contains(l.Id) && l.Status == "active" && l.StagedRowCount == 0).ToList();
            await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (l, _) =>
            {
                var detail = await api.LineageAsync(project, l.Id);
                var replay = detail.GetProperty("replay_intent");
                if (replay.ValueKind != System.Text.Json.JsonValueKind.Null && replay.GetProperty("status").GetString() != "completed")
                    return;
                byKey[(l.DeviceId, l.SourceTable)].MirrorTable = detail.GetProperty("mirror").GetProperty("name").GetString();
                lock (done)
                    done.Add(l.Id);
            });
            if (done.Count < _streams.Count)
                await Task.Delay(250, ct);
        }

        await using var command = db.CreateCommand(
            "SELECT c.relname::text, n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            // Each mirror has a tombstone table of the same name in a schema of its own.
            "WHERE c.relkind IN ('r', 'p') AND c.relname = ANY(@names) AND n.nspname NOT LIKE '%\\_tombstones'");
        command.Parameters.AddWithValue("names", _streams.Select(s => s.MirrorTable!).ToArray());
        var schemas = new Dictionary<string, string>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                schemas[reader.GetString(0)] = reader.GetString(1);
        foreach (var s in _streams)
            s.MirrorSchema = schemas.TryGetValue(s.MirrorTable!, out var schema) ? schema
                : throw new InvalidOperationException($"mirror table {s.MirrorTable} not found");
    }

    /// <summary>
    /// Polls until the last row of every table is in its mirror. Batches of a lineage are applied
    /// in order (the watermark), so the last row visible means the table is complete; the full
    /// count is checked afterwards, outside the timed window.
    /// </summary>
    private async Task<int> WaitForMirrorsAsync(NpgsqlDataSource db, TimeSpan timeout)
    {
        var pending = Enumerable.Range(0, _streams.Count).ToHashSet();
        var deadline = DateTime.UtcNow + timeout;
        var probes = 0;
        while (pending.Count > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{pending.Count} table(s) still incomplete {timeout.TotalSeconds:0} s after the last PUBACK");
            probes++;
            foreach (var chunk in pending.ToList().Chunk(100))
            {
                await using var command = db.CreateCommand(string.Join("\nUNION ALL ", chunk.Select(i =>
                {
                    var s = _streams[i];
                    return $"SELECT {i} FROM \"{s.MirrorSchema}\".\"{s.MirrorTable}\" WHERE _edge_device_id = '{s.DeviceId}' AND id = {s.LastId} AND _edge_commit_seq = {s.LastSeq}";
                })));
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    pending.Remove(reader.GetInt32(0));
            }
            if (pending.Count > 0)
                await Task.Delay(20, ct);
        }
        return probes;
    }

    private async Task<List<string>> VerifyAsync(NpgsqlDataSource db, IEnumerable<(TableStream Stream, string Table)> tables, string what)
    {
        var problems = new List<string>();
        foreach (var chunk in tables.Chunk(100))
        {
            await using var command = db.CreateCommand(string.Join("\nUNION ALL ", chunk.Select((t, i) =>
                $"SELECT {i}, count(*), coalesce(sum(_edge_commit_seq), 0)::bigint FROM {t.Table}")));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (s, table) = chunk[reader.GetInt32(0)];
                var (count, sum) = (reader.GetInt64(1), reader.GetInt64(2));
                if (count != s.ExpectedRows || sum != s.ExpectedSeqSum)
                    problems.Add($"{what} {table}: {count} rows (commit_seq sum {sum}), expected {s.ExpectedRows} ({s.ExpectedSeqSum})");
            }
        }
        if (problems.Count > 0)
            Log($"{what}: {problems.Count} table(s) differ from what the devices sent, e.g. {problems[0]}");
        return problems;
    }

    // ---- Baselines ---------------------------------------------------------------------------

    private async Task RunBaselinesAsync(NpgsqlDataSource db, BenchResult result)
    {
        if (o.Profile && _sample.Count > 0)
            result.NodeParts = NodePartsMeter.Measure(_sample);
        _sample = [];

        var rows = new Dictionary<TableStream, List<List<Row>>>();
        foreach (var s in _streams)
            rows[s] = s.Generate(o).Select(TableStream.Collapse).ToList();
        var measuredRows = _streams.Count * (long)o.Batches * o.Rows;
        var baseline = new Baseline(db, _streams, rows, o.FirstMeasuredBatch);
        await baseline.CreateTablesAsync();

        var runs = new List<(BaselineKind Kind, int Connections, string Name)>
        {
            (BaselineKind.Copy, o.Devices, $"COPY, {o.Devices} connections"),
            (BaselineKind.Copy, 1, "COPY, 1 connection"),
        };
        if (o.Profile)
        {
            runs.Add((BaselineKind.AppendOrUpsert, o.Devices, $"mirror SQL (append or upsert), {o.Devices} conn."));
            runs.Add((BaselineKind.UpsertViaUnnest, o.Devices, $"previous mirror SQL (upsert all), {o.Devices} conn."));
            runs.Add((BaselineKind.UpsertViaTempTable, o.Devices, $"old mirror SQL (temp table), {o.Devices} conn."));
        }
        // The node is measured after its own warm-up; the baselines' writers (in this process) get one
        // untimed pass each, so no baseline pays for JIT-compiling its code path either.
        foreach (var kind in runs.Select(r => r.Kind).Distinct())
        {
            await baseline.ResetAsync();
            await baseline.RunAsync(kind, o.Devices);
        }
        foreach (var (kind, connections, name) in runs)
        {
            await baseline.ResetAsync();
            var cpu = CpuMeter.Start(0);
            await using var sampler = ActivitySampler.Start(db, TimeSpan.FromSeconds(1), sample: false);
            var seconds = await baseline.RunAsync(kind, connections);
            await sampler.StopAsync();
            var use = cpu.Stop(sampler.Pids);
            var problems = await VerifyAsync(db, _streams.Select(s => (s, Baseline.TableOf(s))), name);
            result.Problems.AddRange(problems.Take(3));
            result.Baselines.Add(new BaselineResult(name, kind.ToString(), connections, measuredRows, seconds, use));
            Log($"{name}: {measuredRows / seconds:N0} rows/s ({seconds:0.00} s)");
        }
    }

    /// <summary>A checkpoint (when allowed) and a pause, so that no phase pays for the previous one's writes or statistics.</summary>
    private async Task QuiesceAsync(NpgsqlDataSource db)
    {
        try
        {
            await using var checkpoint = db.CreateCommand("CHECKPOINT");
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException) { }
        if (o.Profile)
            await Task.Delay(TimeSpan.FromSeconds(11), ct);
    }

    internal static async Task DropDatabaseAsync(string adminConnection, string database)
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await using var server = NpgsqlDataSource.Create(adminConnection);
            await using var drop = server.CreateCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            await drop.ExecuteNonQueryAsync();
            Log($"dropped database {database}");
        }
        catch (Exception e)
        {
            Log($"warning: could not drop database {database}: {e.Message}");
        }
    }

    internal static string RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "EdgeSync.sln")))
                    return dir.FullName;
        throw new InvalidOperationException("cannot find the repository (EdgeSync.sln) above the working directory");
    }
}
