using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>
/// Two node processes on one database; the reference agent publishes (to one of them, or to
/// Mosquitto that both consume from) while a node that holds the agent's lineages is killed with
/// SIGKILL. Its mirrors end equal to SQLite and it never has to reconnect.
/// </summary>
public sealed class AgentClusterFailoverTests(ITestOutputHelper output)
{
    private static readonly string Token =
        DevTokens.Mint(new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build(), ["PLATFORM_ADMIN"]);

    [Fact]
    public async Task Killing_the_node_that_holds_the_lineages_loses_and_doubles_nothing_and_the_agent_keeps_its_connection()
    {
        var database = await TestDatabase.CreateAsync();
        var (agentPorts, doomedPorts) = (NodeProcess.Ports.Free(), NodeProcess.Ports.Free());
        using var db = new DeviceDatabase(SqliteWorkload.ReadingsSql + ";" + SqliteWorkload.ValvesSql);
        var workload = new SqliteWorkload(db, seed: 23);
        await workload.RunAsync(20);
        var log = new LogSink(output);

        await using var survivor = await NodeProcess.StartAsync(database, agentPorts);
        var doomed = await NodeProcess.StartAsync(database, doomedPorts);
        using var viaSurvivor = Http(agentPorts);
        var device = await Fleet.RegisterDeviceAsync(viaSurvivor);
        using var cloud = new Cloud(viaSurvivor, device);
        // Approved through the node that will die: operator commands activate the grains they call,
        // so the lineages are likely to live there.
        using var viaDoomed = new Cloud(Http(doomedPorts), device);
        await using var agent = RunningAgent.Start(db.ConfigFor(device, agentPorts.Mqtt), log);
        var (readings, valves) = await ApproveBothAsync(cloud, viaDoomed);

        var writing = workload.RunAsync(300);
        await PublishingAsync(cloud, readings);
        await doomed.DisposeAsync(); // SIGKILL mid-stream
        await writing;

        await AssertMirrorsEqualSqliteAsync(cloud, db, readings, valves, log);
    }

    [Fact]
    public async Task With_an_external_broker_a_node_killed_mid_stream_loses_and_doubles_nothing_and_the_agent_never_reconnects()
    {
        var database = await TestDatabase.CreateAsync();
        await using var broker = await SecuredMosquitto.StartAsync();
        Dictionary<string, string> Settings(string node) => broker.NodeSettings(node).ToDictionary(s => s.Key, s => s.Value!);
        var ports = NodeProcess.Ports.Free();
        using var db = new DeviceDatabase(SqliteWorkload.ReadingsSql + ";" + SqliteWorkload.ValvesSql);
        var workload = new SqliteWorkload(db, seed: 29);
        await workload.RunAsync(20);
        var log = new LogSink(output);

        await using var survivor = await NodeProcess.StartAsync(database, ports, Settings("node-1"));
        var doomed = await NodeProcess.StartAsync(database, NodeProcess.Ports.Free(), Settings("node-2"));
        await broker.WaitForUplinkSubscriberAsync("edgesync-edgesync-node-2");
        using var http = Http(ports);
        var device = await Fleet.RegisterDeviceAsync(http);
        using var cloud = new Cloud(http, device);
        await using var agent = RunningAgent.Start(db.ConfigFor(device, broker.Port), log);
        var (readings, valves) = await ApproveBothAsync(cloud, cloud);

        var writing = workload.RunAsync(300);
        await PublishingAsync(cloud, readings);
        await doomed.DisposeAsync(); // SIGKILL: what the broker handed it and it did not acknowledge stays in its session
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Its replacement under the same node name (as an orchestrator would start it) resumes the
        // session and gets those messages again, while the device goes on writing.
        await using var replacement = await NodeProcess.StartAsync(database, NodeProcess.Ports.Free(), Settings("node-2"));
        output.WriteLine($"replacement node ready {clock.Elapsed.TotalSeconds:F1} s after the kill");
        await writing;

        await AssertMirrorsEqualSqliteAsync(cloud, db, readings, valves, log);
        output.WriteLine($"both mirrors equal SQLite {clock.Elapsed.TotalSeconds:F1} s after the kill");
    }

    private static HttpClient Http(NodeProcess.Ports ports)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    private static async Task<(Guid Readings, Guid Valves)> ApproveBothAsync(Cloud cloud, Cloud approver)
    {
        var readings = await cloud.WaitForLineageAsync("readings");
        var valves = await cloud.WaitForLineageAsync("valves");
        await approver.ApproveAllAsync(readings, SqliteWorkload.ReadingsColumns);
        await approver.ApproveAllAsync(valves, SqliteWorkload.ValvesColumns);
        return (readings, valves);
    }

    /// <summary>Mid-stream: returns once the cloud has counted rows of the workload's writing phase, not only those of its warm-up.</summary>
    private static async Task PublishingAsync(Cloud cloud, Guid readings)
    {
        static long Received(System.Text.Json.JsonElement l) => l.GetProperty("counters").GetProperty("rows_received").GetInt64();
        var before = Received(await cloud.Api.LineageAsync(readings));
        await Eventually.GetAsync(() => cloud.Api.LineageAsync(readings), l => Received(l) > before, TimeSpan.FromSeconds(30), "the agent to publish the new rows");
    }

    private static async Task AssertMirrorsEqualSqliteAsync(Cloud cloud, DeviceDatabase db, Guid readings, Guid valves, LogSink agentLog)
    {
        await cloud.WaitForMirrorAsync(readings, db, "readings", ["id"], TimeSpan.FromSeconds(60));
        await cloud.WaitForMirrorAsync(valves, db, "valves", ["site", "slot"], TimeSpan.FromSeconds(30));
        Assert.False(agentLog.Contains("Reconnecting to"), agentLog.Dump());
    }
}
