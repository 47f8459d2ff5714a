using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>
/// Two node processes on one database; the reference agent publishes to one of them while the
/// other, which holds the agent's lineages, is killed with SIGKILL.
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
}
