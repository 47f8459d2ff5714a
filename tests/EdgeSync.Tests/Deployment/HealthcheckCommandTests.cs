using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Deployment;

/// <summary>The container's health check: <c>EdgeSync.Silo healthcheck [live|ready]</c> answers through its exit code.</summary>
public sealed class HealthcheckCommandTests
{
    [Fact]
    public async Task The_healthcheck_command_exits_0_for_a_ready_node_and_1_when_no_node_answers()
    {
        var database = await TestDatabase.CreateAsync();
        var ports = NodeProcess.Ports.Free();
        await using var node = await NodeProcess.StartAsync(database, ports);
        var port = new Dictionary<string, string> { ["Http:Port"] = ports.Http.ToString() };

        var ready = await SiloCommand.RunAsync(database, ["healthcheck", "ready"], port);
        var live = await SiloCommand.RunAsync(database, ["healthcheck", "live"], port);
        var byDefault = await SiloCommand.RunAsync(database, ["healthcheck"], port);
        Assert.True(ready.ExitCode == 0, ready.Output);
        Assert.True(live.ExitCode == 0, live.Output);
        Assert.True(byDefault.ExitCode == 0, byDefault.Output);
        Assert.Contains("/health/ready: 200", ready.Output);

        var nobody = await SiloCommand.RunAsync(database, ["healthcheck", "ready"], new Dictionary<string, string> { ["Http:Port"] = FreePort.Next().ToString() });
        Assert.Equal(1, nobody.ExitCode);

        var usage = await SiloCommand.RunAsync(database, ["healthcheck", "sideways"], port);
        Assert.Equal(2, usage.ExitCode);
    }
}
