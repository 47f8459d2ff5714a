using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>
/// Two node processes on one database; the reference agent publishes (to one of them, or to
/// Mosquitto that both consume from) while a node that holds the agent's lineages is killed with
/// SIGKILL.
/// </summary>
public sealed class AgentClusterFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_node_that_holds_the_lineages_loses_and_doubles_nothing_and_the_agent_keeps_its_connection()
    {
        var database = await TestDatabase.CreateAsync();
        var (agentPorts, doomedPorts) = (NodeProcess.Ports.Free(), NodeProcess.Ports.Free());
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        var token = DevTokens.Mint(configuration, ["PLATFORM_ADMIN"]);
        HttpClient Http(NodeProcess.Ports ports)
        {
            var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }
        using var db = new DeviceDatabase(SqliteWorkload.ReadingsSql + ";" + SqliteWorkload.ValvesSql);
        var workload = new SqliteWorkload(db, seed: 23);
        await workload.RunAsync(20);
        var log = new LogSink(output);

        await using var survivor = await NodeProcess.StartAsync(database, agentPorts);
        var doomed = await NodeProcess.StartAsync(database, doomedPorts);
        using var viaSurvivor = Http(agentPorts);
        var device = await Fleet.RegisterDeviceAsync(viaSurvivor);
        // Approved through the node that will die: operator commands activate the grains they call,
        // so the lineages are likely to live there.
        using var viaDoomed = new Cloud(Http(doomedPorts), device);
        using var cloud = new Cloud(viaSurvivor, device);
        await using var agent = RunningAgent.Start(db.ConfigFor(device, agentPorts.Mqtt), log);
        var readings = await cloud.WaitForLineageAsync("readings");
        var valves = await cloud.WaitForLineageAsync("valves");
        await viaDoomed.ApproveAllAsync(readings, SqliteWorkload.ReadingsColumns);
        await viaDoomed.ApproveAllAsync(valves, SqliteWorkload.ValvesColumns);

        var writing = workload.RunAsync(300);
        await Task.Delay(300);
        await doomed.DisposeAsync(); // SIGKILL mid-stream
        await writing;

        await cloud.WaitForMirrorAsync(readings, db, "readings", ["id"], TimeSpan.FromSeconds(60));
        await cloud.WaitForMirrorAsync(valves, db, "valves", ["site", "slot"], TimeSpan.FromSeconds(30));
        Assert.False(log.Contains("Reconnecting to"), log.Dump());
    }

    [Fact]
    public async Task With_an_external_broker_a_node_killed_mid_stream_loses_and_doubles_nothing_and_the_agent_never_reconnects()
    {
        var database = await TestDatabase.CreateAsync();
        await using var broker = await SecuredMosquitto.StartAsync();
        Dictionary<string, string> Settings(string node) => broker.NodeSettings(node).ToDictionary(s => s.Key, s => s.Value!);
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        var ports = NodeProcess.Ports.Free();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Mint(configuration, ["PLATFORM_ADMIN"]));
        using var db = new DeviceDatabase(SqliteWorkload.ReadingsSql + ";" + SqliteWorkload.ValvesSql);
        var workload = new SqliteWorkload(db, seed: 29);
        await workload.RunAsync(20);
        var log = new LogSink(output);

        await using var survivor = await NodeProcess.StartAsync(database, ports, Settings("node-1"));
        var doomed = await NodeProcess.StartAsync(database, NodeProcess.Ports.Free(), Settings("node-2"));
        await broker.WaitForUplinkSubscriberAsync("edgesync-edgesync-node-2");
        var device = await Fleet.RegisterDeviceAsync(http);
        using var cloud = new Cloud(http, device);
        await using var agent = RunningAgent.Start(db.ConfigFor(device, broker.Port), log);
        var readings = await cloud.WaitForLineageAsync("readings");
        var valves = await cloud.WaitForLineageAsync("valves");
        await cloud.ApproveAllAsync(readings, SqliteWorkload.ReadingsColumns);
        await cloud.ApproveAllAsync(valves, SqliteWorkload.ValvesColumns);

        var writing = workload.RunAsync(300);
        await Task.Delay(300);
        await doomed.DisposeAsync(); // SIGKILL: what the broker handed it and it did not acknowledge stays in its session
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Its replacement under the same node name (as an orchestrator would start it) resumes the
        // session and gets those messages again, while the device goes on writing.
        await using var replacement = await NodeProcess.StartAsync(database, NodeProcess.Ports.Free(), Settings("node-2"));
        output.WriteLine($"replacement node ready {clock.Elapsed.TotalSeconds:F1} s after the kill");
        await writing;

        await cloud.WaitForMirrorAsync(readings, db, "readings", ["id"], TimeSpan.FromSeconds(60));
        await cloud.WaitForMirrorAsync(valves, db, "valves", ["site", "slot"], TimeSpan.FromSeconds(30));
        output.WriteLine($"both mirrors equal SQLite {clock.Elapsed.TotalSeconds:F1} s after the kill");
        Assert.False(log.Contains("Reconnecting to"), log.Dump());
    }
}
