using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using EdgeSync.Agent.Config;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>
/// Telemetry tables, bootstrap uploads and payload spills from the reference agent to a real node
/// process (real HTTP port, so the agent can PUT to the granted URL): the mirrors end equal to SQLite.
/// </summary>
public sealed class AgentBulkTests(ITestOutputHelper output)
{
    private const string SamplesSql = "CREATE TABLE samples (recorded_at TEXT NOT NULL, sensor TEXT, value REAL)";
    private static readonly string[] SamplesColumns = ["recorded_at", "sensor", "value"];

    private sealed class Node : IAsyncDisposable
    {
        public required string Database { get; init; }
        public required NodeProcess.Ports Ports { get; init; }
        public required HttpClient Http { get; init; }
        public NodeProcess? Process { get; set; }

        public static async Task<Node> StartAsync()
        {
            var ports = NodeProcess.Ports.Free();
            var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Mint(configuration, ["PLATFORM_ADMIN"]));
            var node = new Node { Database = await TestDatabase.CreateAsync(), Ports = ports, Http = http };
            await node.RestartAsync();
            return node;
        }

        public async Task RestartAsync()
        {
            if (Process is not null)
                await Process.DisposeAsync();
            Process = await NodeProcess.StartAsync(Database, Ports, new Dictionary<string, string>
            {
                ["Uploads:PublicBaseUrl"] = $"http://127.0.0.1:{Ports.Http}",
            });
        }

        public async ValueTask DisposeAsync()
        {
            if (Process is not null)
                await Process.DisposeAsync();
            Http.Dispose();
        }
    }

    private static async Task WaitForTelemetryMirrorAsync(Cloud cloud, Guid lineage, DeviceDatabase db, TimeSpan timeout)
    {
        string? last = null;
        try
        {
            await Eventually.GetAsync(async () =>
            {
                var mirror = await cloud.MirrorRowsOrEmptyAsync(lineage);
                var expected = db.RowsById("SELECT rowid AS row_id, sensor, value FROM samples", "row_id");
                return last = Cloud.Difference(mirror, expected, ["row_id"]);
            }, d => d is null, timeout, "the telemetry mirror to hold every SQLite row exactly once");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nlast difference: {last}", e);
        }
    }

    private static void WriteSamples(DeviceDatabase db, Random random, int count)
    {
        for (var i = 0; i < count; i++)
            db.Execute("INSERT INTO samples VALUES ($ts, $s, $v)",
                ("$ts", DateTime.UtcNow.AddSeconds(-random.Next(0, 86_400)).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)),
                ("$s", "sensor-" + random.Next(0, 8)), ("$v", random.NextDouble() * 100));
    }

    [Fact]
    public async Task A_telemetry_table_beside_a_rows_table_with_random_writers_agent_restarts_and_a_node_restart_ends_with_each_row_in_the_mirror_exactly_once()
    {
        await using var node = await Node.StartAsync();
        var device = await Fleet.RegisterDeviceAsync(node.Http);
        using var cloud = new Cloud(node.Http, device);
        using var db = new DeviceDatabase(SqliteWorkload.ReadingsSql + ";" + SqliteWorkload.ValvesSql + ";" + SamplesSql);
        var workload = new SqliteWorkload(db, seed: 15);
        var random = new Random(15);
        await workload.RunAsync(30);
        WriteSamples(db, random, 200);
        var log = new LogSink(output);
        var config = db.ConfigFor(device, node.Ports.Mqtt, tables: new Dictionary<string, TableStrategy>
        {
            ["readings"] = TableStrategy.Rows, ["valves"] = TableStrategy.Rows, ["samples"] = TableStrategy.Telemetry,
        }) with { TimestampColumns = new Dictionary<string, string> { ["samples"] = "recorded_at" } }; // a TEXT column: named explicitly

        var agent = RunningAgent.Start(config, log);
        var readings = await cloud.WaitForLineageAsync("readings");
        var valves = await cloud.WaitForLineageAsync("valves");
        var samples = await cloud.WaitForLineageAsync("samples");
        await cloud.ApproveAllAsync(readings, SqliteWorkload.ReadingsColumns);
        await cloud.ApproveAllAsync(valves, SqliteWorkload.ValvesColumns);
        await cloud.ApproveAllAsync(samples, SamplesColumns);

        for (var round = 0; round < 3; round++)
        {
            // Both writers share the application's one SQLite connection, which is not safe to use
            // from two threads at once (it failed with a NullReferenceException): they take turns.
            for (var part = 0; part < 4; part++)
            {
                await workload.RunAsync(20);
                WriteSamples(db, random, 75);
            }
            Assert.Equal(0, await agent.StopAsync());
            WriteSamples(db, random, 100); // while the agent is stopped
            if (round == 1)
                await node.RestartAsync();
            agent = RunningAgent.Start(config, log);
        }
        await using (agent)
        {
            await cloud.WaitForMirrorAsync(readings, db, "readings", ["id"], TimeSpan.FromSeconds(60));
            await cloud.WaitForMirrorAsync(valves, db, "valves", ["site", "slot"], TimeSpan.FromSeconds(30));
            await WaitForTelemetryMirrorAsync(cloud, samples, db, TimeSpan.FromSeconds(60));
        }
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task A_lost_state_db_sends_a_telemetry_table_again_above_the_accepted_batch_seqs_and_each_row_stays_once()
    {
        await using var node = await Node.StartAsync();
        var device = await Fleet.RegisterDeviceAsync(node.Http);
        using var cloud = new Cloud(node.Http, device);
        using var db = new DeviceDatabase(SamplesSql);
        var random = new Random(17);
        WriteSamples(db, random, 300);
        var log = new LogSink(output);
        var config = db.ConfigFor(device, node.Ports.Mqtt, tables: new Dictionary<string, TableStrategy> { ["samples"] = TableStrategy.Telemetry })
            with { TimestampColumns = new Dictionary<string, string> { ["samples"] = "recorded_at" } };

        var agent = RunningAgent.Start(config, log);
        var samples = await cloud.WaitForLineageAsync("samples");
        await cloud.ApproveAllAsync(samples, SamplesColumns);
        await WaitForTelemetryMirrorAsync(cloud, samples, db, TimeSpan.FromSeconds(60));
        Assert.Equal(0, await agent.StopAsync());
        foreach (var file in new[] { config.StateDatabasePath, config.StateDatabasePath + "-wal", config.StateDatabasePath + "-shm" })
            File.Delete(file);
        WriteSamples(db, random, 200);

        await using (agent = RunningAgent.Start(config, log))
            await WaitForTelemetryMirrorAsync(cloud, samples, db, TimeSpan.FromSeconds(60));
        var rejections = await node.Http.GetStringAsync($"/core/api/v1/projects/{device.ProjectId}/edge/rejections");
        Assert.DoesNotContain("batch_seq", rejections);
    }

    [Fact]
    public async Task A_table_over_the_bootstrap_threshold_is_uploaded_as_a_snapshot_and_changes_made_meanwhile_still_reach_the_mirror()
    {
        await using var node = await Node.StartAsync();
        var device = await Fleet.RegisterDeviceAsync(node.Http);
        using var cloud = new Cloud(node.Http, device);
        using var db = new DeviceDatabase(SqliteWorkload.ReadingsSql + ";" + SqliteWorkload.ValvesSql);
        db.Execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
            INSERT INTO readings SELECT i, 'r' || i, i / 3.0, randomblob(4), i, NULL FROM n
            """);
        var workload = new SqliteWorkload(db, seed: 16);
        var log = new LogSink(output);
        var config = db.ConfigFor(device, node.Ports.Mqtt) with { BootstrapThresholdRows = 1000 };

        await using var agent = RunningAgent.Start(config, log);
        var writing = workload.RunAsync(400); // while the snapshot is written, uploaded and finalized
        var readings = await cloud.WaitForLineageAsync("readings");
        var valves = await cloud.WaitForLineageAsync("valves");
        await cloud.ApproveAllAsync(readings, SqliteWorkload.ReadingsColumns);
        await cloud.ApproveAllAsync(valves, SqliteWorkload.ValvesColumns);
        await writing;

        await cloud.WaitForMirrorAsync(readings, db, "readings", ["id"], TimeSpan.FromSeconds(90));
        await cloud.WaitForMirrorAsync(valves, db, "valves", ["site", "slot"]);
        // A snapshot, not a baseline in the journal (the workload may have deleted a few rows before enrolment counted them).
        Assert.Contains(log.Lines, l => Regex.IsMatch(l.Message, @"^Table readings holds \d+ rows \(more than bootstrap_threshold_rows 1000\): wrote its snapshot"));
        Assert.True(log.Contains("Upload of readings finalized (bootstrap_snapshot"), log.Dump());
        Assert.False(log.Contains("Table valves holds"), "a table under the threshold is baselined in the journal as before");
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task A_row_change_over_512_KiB_reaches_the_mirror_through_a_payload_spill_and_later_rows_follow_it()
    {
        await using var node = await Node.StartAsync();
        var device = await Fleet.RegisterDeviceAsync(node.Http);
        using var cloud = new Cloud(node.Http, device);
        using var db = new DeviceDatabase("CREATE TABLE documents (id INTEGER PRIMARY KEY, body TEXT)");
        db.Execute("INSERT INTO documents VALUES (1, 'small')");
        var log = new LogSink(output);
        var config = db.ConfigFor(device, node.Ports.Mqtt);

        await using var agent = RunningAgent.Start(config, log);
        var documents = await cloud.WaitForLineageAsync("documents");
        await cloud.ApproveAllAsync(documents, "id", "body");
        await cloud.WaitForMirrorAsync(documents, db, "documents", ["id"]);

        db.Execute("INSERT INTO documents VALUES (2, $body)", ("$body", new string('x', 700 * 1024)));
        db.Execute("INSERT INTO documents VALUES (3, 'after the big one')");
        db.Execute("UPDATE documents SET body = 'changed' WHERE id = 1");

        await cloud.WaitForMirrorAsync(documents, db, "documents", ["id"], TimeSpan.FromSeconds(60));
        Assert.True(log.Contains("as a payload_spill upload"), log.Dump());
        Assert.True(log.Contains("Upload of documents finalized (payload_spill"), log.Dump());
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
    }
}
