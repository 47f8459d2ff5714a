using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>The node goes away mid-stream (killed like a crash) and comes back: the agent reconnects with backoff and nothing is lost.</summary>
public sealed class AgentNodeRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_killed_and_restarted_mid_stream_loses_nothing()
    {
        var database = await TestDatabase.CreateAsync();
        var ports = NodeProcess.Ports.Free();
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Mint(configuration, ["PLATFORM_ADMIN"]));
        using var db = new DeviceDatabase(SqliteWorkload.ReadingsSql + ";" + SqliteWorkload.ValvesSql);
        var workload = new SqliteWorkload(db, seed: 11);
        await workload.RunAsync(20);
        var log = new LogSink(output);

        var first = await NodeProcess.StartAsync(database, ports);
        var device = await Fleet.RegisterDeviceAsync(http);
        using var cloud = new Cloud(http, device);
        await using var agent = RunningAgent.Start(db.ConfigFor(device, ports.Mqtt), log);
        var readings = await cloud.WaitForLineageAsync("readings");
        var valves = await cloud.WaitForLineageAsync("valves");
        await cloud.ApproveAllAsync(readings, SqliteWorkload.ReadingsColumns);
        await cloud.ApproveAllAsync(valves, SqliteWorkload.ValvesColumns);

        var writing = workload.RunAsync(300);
        await Task.Delay(300);
        await first.DisposeAsync(); // killed mid-stream
        await Eventually.GetAsync(() => Task.FromResult(log.Contains("Cannot connect to the broker")), found => found, TimeSpan.FromSeconds(15), "reconnect attempts");

        await using var second = await NodeProcess.StartAsync(database, ports);
        await writing;
        await cloud.WaitForMirrorAsync(readings, db, "readings", ["id"], TimeSpan.FromSeconds(45));
        await cloud.WaitForMirrorAsync(valves, db, "valves", ["site", "slot"], TimeSpan.FromSeconds(20));
        Assert.True(log.Contains("Reconnecting to"), log.Dump());
    }
}
