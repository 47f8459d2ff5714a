using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>pause_lineage / resume_lineage as the agent lives them.</summary>
[Collection(NodeCollection.Name)]
public sealed class AgentFlowControlTests(NodeFixture node, ITestOutputHelper output)
{
    [Fact]
    public async Task Backpressure_stops_exactly_that_table_keeps_its_rows_in_the_journal_and_after_resume_nothing_is_lost()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var cloud = new Cloud(node, device);
        await cloud.PatchPolicyAsync(new { max_pending_rows_per_lineage = 5, resume_threshold_percent = 80 });
        using var db = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER); CREATE TABLE fan (id INTEGER PRIMARY KEY, rpm INTEGER)");
        for (var id = 1; id <= 6; id++)
            db.Execute("INSERT INTO pump VALUES ($id, $rpm)", ("$id", (long)id), ("$rpm", id * 10L));
        var log = new LogSink(output);
        await using var agent = RunningAgent.Start(db.ConfigFor(device, node.MqttPort), log);

        // Six staged rows exceed the cap of five: the cloud pauses pump; the agent acknowledges and stops.
        var pump = await cloud.WaitForLineageAsync("pump");
        await Eventually.GetAsync(() => Task.FromResult(log.Contains("The cloud paused table pump")), found => found, TimeSpan.FromSeconds(15), "the agent to pause pump");
        var paused = await Eventually.GetAsync(() => cloud.Api.LineageAsync(pump), l => l.GetProperty("pending_controls").GetArrayLength() == 0,
            TimeSpan.FromSeconds(10), "the pause to be acknowledged");
        var watermark = paused.GetProperty("watermark").GetProperty("server_watermark").GetInt64();
        Assert.Contains("backpressure", paused.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(6, paused.GetProperty("counters").GetProperty("staged_row_count").GetInt64());

        for (var id = 7; id <= 10; id++)
            db.Execute("INSERT INTO pump VALUES ($id, $rpm)", ("$id", (long)id), ("$rpm", id * 10L));
        db.Execute("INSERT INTO fan VALUES (1, 100), (2, 200)");

        // The other table keeps flowing; pump's new rows wait in the journal. Pump's rows were
        // written first, so the flush that published fan's rows had pump's in view too.
        var fan = await cloud.WaitForLineageAsync("fan");
        await Eventually.GetAsync(() => cloud.Api.LineageAsync(fan), l => l.GetProperty("counters").GetProperty("staged_row_count").GetInt64() == 2,
            TimeSpan.FromSeconds(10), "fan's rows to arrive");
        Assert.Equal(6, (await cloud.Api.LineageAsync(pump)).GetProperty("counters").GetProperty("staged_row_count").GetInt64());
        Assert.Equal(4, db.JournalRows("pump"));

        // Approval drains the backlog below 80 %: resume_lineage, and the agent publishes from server_watermark + 1.
        await cloud.ApproveAllAsync(pump, "id", "rpm");
        await cloud.WaitForMirrorAsync(pump, db, "pump", ["id"]);
        Assert.True(log.Contains($"The cloud resumed table pump: publishing again from commit_seq {watermark + 1}"), log.Dump());
        var resumed = await cloud.Api.LineageAsync(pump);
        Assert.Equal("active", resumed.GetProperty("status").GetString());
        Assert.Equal(10, resumed.GetProperty("counters").GetProperty("rows_received").GetInt64());

        await cloud.ApproveAllAsync(fan, "id", "rpm");
        await cloud.WaitForMirrorAsync(fan, db, "fan", ["id"]);
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task An_operator_pause_holds_the_table_back_across_an_agent_restart_until_the_resume()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var cloud = new Cloud(node, device);
        // fan is a witness: once its new row reaches the cloud, a flush ran after pump's row was written.
        using var db = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER); CREATE TABLE fan (id INTEGER PRIMARY KEY, rpm INTEGER)");
        db.Execute("INSERT INTO pump VALUES (1, 10)");
        db.Execute("INSERT INTO fan VALUES (1, 10)");
        var log = new LogSink(output);
        var config = db.ConfigFor(device, node.MqttPort);
        var agent = RunningAgent.Start(config, log);
        var pump = await cloud.WaitForLineageAsync("pump");
        var fan = await cloud.WaitForLineageAsync("fan");
        await cloud.ApproveAllAsync(pump, "id", "rpm");
        await cloud.WaitForMirrorAsync(pump, db, "pump", ["id"]);

        Assert.True((await cloud.Api.PostAsync($"/lineages/{pump}/pause", new { reason = "maintenance window" })).IsSuccessStatusCode);
        await Eventually.GetAsync(() => Task.FromResult(log.Contains("The cloud paused table pump")), found => found, TimeSpan.FromSeconds(15), "the pause");
        Assert.True(log.Contains("maintenance window"));
        await Eventually.GetAsync(() => cloud.Api.LineageAsync(pump), l => l.GetProperty("pending_controls").GetArrayLength() == 0,
            TimeSpan.FromSeconds(10), "the pause to be acknowledged");

        // Paused state lives in state.db: a restarted agent still holds the table back.
        Assert.Equal(0, await agent.StopAsync());
        db.Execute("INSERT INTO pump VALUES (2, 20)");
        db.Execute("INSERT INTO fan VALUES (2, 20)");
        await using var restarted = RunningAgent.Start(config, log);
        await Eventually.GetAsync(() => cloud.Api.LineageAsync(fan), l => l.GetProperty("counters").GetProperty("rows_received").GetInt64() == 2,
            TimeSpan.FromSeconds(15), "the restarted agent's first flush");
        Assert.Equal(1, db.JournalRows("pump"));
        Assert.Single(await cloud.Api.MirrorRowsAsync(pump));

        Assert.True((await cloud.Api.PostAsync($"/lineages/{pump}/resume")).IsSuccessStatusCode);
        await cloud.WaitForMirrorAsync(pump, db, "pump", ["id"]);
        var events = await cloud.Api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{pump}/events?limit=100");
        Assert.Equal(2, events.GetProperty("data").EnumerateArray().Count(e => e.GetProperty("type").GetString() == "control_acknowledged"));
        Assert.All(new[] { "lineage_paused", "lineage_resumed" }, type =>
            Assert.Contains(events.GetProperty("data").EnumerateArray(), e => e.GetProperty("type").GetString() == type));
    }
}
