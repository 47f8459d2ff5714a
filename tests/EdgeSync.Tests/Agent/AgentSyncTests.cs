using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>The reference agent against a real node: what an application writes to SQLite ends up in the mirror, exactly.</summary>
[Collection(NodeCollection.Name)]
public sealed class AgentSyncTests(NodeFixture node, ITestOutputHelper output)
{
    private static readonly string[] ReadingsKey = ["id"];
    private static readonly string[] ValvesKey = ["site", "slot"];

    [Fact]
    public async Task A_random_workload_from_another_connection_with_an_agent_restart_mid_stream_ends_with_the_mirror_equal_to_SQLite()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var cloud = new Cloud(node, device);
        using var db = new DeviceDatabase(SqliteWorkload.ReadingsSql + ";" + SqliteWorkload.ValvesSql);
        var workload = new SqliteWorkload(db, seed: 7);
        await workload.RunAsync(30); // rows that exist before the agent: its baseline
        var log = new LogSink(output);
        var config = db.ConfigFor(device, node.MqttPort);

        var agent = RunningAgent.Start(config, log);
        await workload.RunAsync(120);
        var readings = await cloud.WaitForLineageAsync("readings");
        var valves = await cloud.WaitForLineageAsync("valves");
        await cloud.ApproveAllAsync(readings, SqliteWorkload.ReadingsColumns);
        await cloud.ApproveAllAsync(valves, SqliteWorkload.ValvesColumns);

        var during = workload.RunAsync(150);
        await Task.Delay(400);
        Assert.Equal(0, await agent.StopAsync());
        await during;
        await workload.RunAsync(40); // while the agent is stopped
        Assert.True(db.JournalRows("readings") + db.JournalRows("valves") > 0, "changes made while stopped wait in the journal");

        await using var restarted = RunningAgent.Start(config, log);
        await workload.RunAsync(60);

        await cloud.WaitForMirrorAsync(readings, db, "readings", ReadingsKey);
        await cloud.WaitForMirrorAsync(valves, db, "valves", ValvesKey);
        await Eventually.GetAsync(() => Task.FromResult(db.JournalRows("readings") + db.JournalRows("valves")), n => n == 0,
            TimeSpan.FromSeconds(10), "the published rows to be pruned from the journal");
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Changes_made_while_the_agent_was_stopped_are_published_when_it_starts()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var cloud = new Cloud(node, device);
        using var db = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER, label TEXT)");
        db.Execute("INSERT INTO pump VALUES (1, 900, 'a'), (2, 1200, 'b'), (3, 0, NULL)");
        var log = new LogSink(output);
        var config = db.ConfigFor(device, node.MqttPort);

        Guid lineage;
        await using (RunningAgent.Start(config, log))
        {
            lineage = await cloud.WaitForLineageAsync("pump");
            await cloud.ApproveAllAsync(lineage, "id", "rpm", "label");
            await cloud.WaitForMirrorAsync(lineage, db, "pump", ["id"]);
        }

        db.Execute("INSERT INTO pump VALUES (4, 1500, 'new')");
        db.Execute("UPDATE pump SET rpm = 1000, label = 'changed' WHERE id = 1");
        db.Execute("UPDATE pump SET id = 20 WHERE id = 2");
        db.Execute("DELETE FROM pump WHERE id = 3");
        Assert.Equal(5, db.JournalRows("pump")); // insert, update, delete + insert (key change), delete

        await using var agent = RunningAgent.Start(config, log);
        await cloud.WaitForMirrorAsync(lineage, db, "pump", ["id"]);
        await Eventually.GetAsync(() => Task.FromResult(db.JournalRows("pump")), n => n == 0, TimeSpan.FromSeconds(10), "the journal to be pruned");
    }

    [Fact]
    public async Task Extreme_REAL_values_end_in_the_double_precision_mirror_with_the_bits_SQLite_holds()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var cloud = new Cloud(node, device);
        using var db = new DeviceDatabase("CREATE TABLE gauge (id INTEGER PRIMARY KEY, v REAL)");
        var values = RealEncodingTests.Doubles(seed: 31, random: 300);
        db.Execute("BEGIN");
        for (var i = 0; i < values.Count; i++)
            db.Execute("INSERT INTO gauge VALUES ($id, $v)", ("$id", (long)i), ("$v", values[i]));
        db.Execute("COMMIT");
        var log = new LogSink(output);

        await using var agent = RunningAgent.Start(db.ConfigFor(device, node.MqttPort), log);
        var lineage = await cloud.WaitForLineageAsync("gauge");
        await cloud.ApproveAllAsync(lineage, "id", "v");
        await cloud.WaitForMirrorAsync(lineage, db, "gauge", ["id"]);

        // WaitForMirrorAsync compares with ==; the rule is stronger: the same 64 bits (SQLite's
        // REAL column holds no -0.0, so there is no exception here).
        var held = db.Rows("gauge", "id");
        var mirror = await cloud.Api.MirrorRowsAsync(lineage);
        Assert.Equal(values.Count, mirror.Count);
        foreach (var row in mirror)
        {
            var stored = (double)held[row.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)]["v"]!;
            Assert.Equal(BitConverter.DoubleToInt64Bits(stored), BitConverter.DoubleToInt64Bits(row.GetProperty("v").GetDouble()));
        }
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task A_dropped_journal_starts_a_new_epoch_and_an_added_column_is_reviewed_and_mirrored_without_doubling_anything()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var cloud = new Cloud(node, device);
        using var db = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER)");
        for (var id = 1; id <= 5; id++)
            db.Execute("INSERT INTO pump VALUES ($id, $rpm)", ("$id", (long)id), ("$rpm", id * 100L));
        var log = new LogSink(output);
        var config = db.ConfigFor(device, node.MqttPort);

        Guid lineage;
        await using (RunningAgent.Start(config, log))
        {
            lineage = await cloud.WaitForLineageAsync("pump");
            await cloud.ApproveAllAsync(lineage, "id", "rpm");
            await cloud.WaitForMirrorAsync(lineage, db, "pump", ["id"]);
        }
        var firstEpoch = (await cloud.Api.MirrorRowsAsync(lineage))[0].GetProperty("_edge_journal_epoch").GetString();

        // The journal is deleted (say, by a clean-up script): the agent rebuilds it in a new epoch.
        db.ExecuteElsewhere("DROP TABLE __edgesync_journal");
        await using var agent = RunningAgent.Start(config, log);
        await Eventually.GetAsync(() => Task.FromResult(log.Contains("rebuilt it (new journal epoch")), found => found, TimeSpan.FromSeconds(10), "the rebuild");
        db.Execute("UPDATE pump SET rpm = 1 WHERE id = 1");
        db.Execute("DELETE FROM pump WHERE id = 2");
        db.Execute("INSERT INTO pump VALUES (6, 600)");
        await cloud.WaitForMirrorAsync(lineage, db, "pump", ["id"]);
        var epochs = (await cloud.Api.MirrorRowsAsync(lineage)).Select(r => r.GetProperty("_edge_journal_epoch").GetString()).Distinct().ToList();
        var newEpoch = Assert.Single(epochs);
        Assert.NotEqual(firstEpoch, newEpoch);
        Assert.True(string.CompareOrdinal(newEpoch, firstEpoch) > 0, "the new epoch is a later UUIDv7");

        // A column is added: new fingerprint, triggers reinstalled, the cloud asks for a review.
        db.Execute("ALTER TABLE pump ADD COLUMN site TEXT");
        db.Execute("UPDATE pump SET site = 'north' WHERE id IN (1, 4)");
        db.Execute("INSERT INTO pump VALUES (7, 700, 'süd')");
        await Eventually.GetAsync(() => Task.FromResult(log.Contains("The schema of table pump changed")), found => found, TimeSpan.FromSeconds(10), "the schema change");
        await cloud.ApproveAllAsync(lineage, "id", "rpm", "site");
        await cloud.WaitForMirrorAsync(lineage, db, "pump", ["id"]);
        var final = await cloud.Api.LineageAsync(lineage);
        Assert.Equal("active", final.GetProperty("status").GetString());
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task A_table_without_primary_key_is_refused_with_a_clear_message_and_the_others_still_sync()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var cloud = new Cloud(node, device);
        using var db = new DeviceDatabase("CREATE TABLE events (at TEXT, what TEXT); CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER)");
        db.Execute("INSERT INTO events VALUES ('now', 'boot'); INSERT INTO pump VALUES (1, 10), (2, 20)");
        var log = new LogSink(output);

        await using var agent = RunningAgent.Start(db.ConfigFor(device, node.MqttPort), log);
        var lineage = await cloud.WaitForLineageAsync("pump");
        Assert.True(log.Contains("Table events REFUSED: it has no explicit PRIMARY KEY", LogLevel.Error), log.Dump());
        await cloud.ApproveAllAsync(lineage, "id", "rpm");
        db.Execute("INSERT INTO events VALUES ('later', 'more'); INSERT INTO pump VALUES (3, 30)");
        await cloud.WaitForMirrorAsync(lineage, db, "pump", ["id"]);
        Assert.Null(await cloud.TryLineageAsync("events"));
        Assert.Equal(0, db.Count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"));
    }
}
