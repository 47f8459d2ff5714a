using EdgeSync.Agent;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>Errors an operator can act on: each one says what is wrong, and the agent does the safe thing.</summary>
[Collection(NodeCollection.Name)]
public sealed class AgentOperatorErrorTests(NodeFixture node, ITestOutputHelper output)
{
    [Fact]
    public async Task A_missing_database_file_is_a_clear_message_and_exit_code_2()
    {
        using var db = new DeviceDatabase();
        var log = new LogSink(output);
        var config = db.ConfigFor(new RegisteredDevice(Guid.Empty, "p", Guid.Empty, "gw", "p/gw", "secret", "p/gw"), FreePort.Next())
            with { DatabasePath = Path.Combine(db.Directory, "nope.db") };

        var exit = await AgentHost.RunAsync(config, log, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(AgentExitCodes.OperatorError, exit);
        Assert.True(log.Contains($"the source database {config.DatabasePath} does not exist", LogLevel.Critical), log.Dump());
        Assert.False(File.Exists(config.DatabasePath), "the agent never creates the source database");
    }

    [Fact]
    public async Task A_corrupt_state_database_is_moved_aside_and_the_agent_starts_fresh()
    {
        using var db = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER)");
        await File.WriteAllTextAsync(db.StatePath, "this is not an SQLite database, just garbage that happens to be here...........");
        var log = new LogSink(output);
        // No broker listens there: the agent keeps retrying, which is fine for this test.
        var config = db.ConfigFor(new RegisteredDevice(Guid.Empty, "p", Guid.Empty, "gw", "p/gw", "secret", "p/gw"), FreePort.Next());

        await using (RunningAgent.Start(config, log))
            await Eventually.GetAsync(() => Task.FromResult(log.Contains("Table pump enrolled") && log.Contains("Cannot connect to the broker")),
                found => found, TimeSpan.FromSeconds(10), "the agent to start and try the broker");

        var aside = Directory.GetFiles(db.Directory, "state.db.corrupt-*");
        Assert.Single(aside);
        Assert.Contains("garbage", await File.ReadAllTextAsync(aside[0]));
        Assert.True(log.Contains("is corrupt", LogLevel.Error), log.Dump());
        Assert.True(log.Contains("Cannot connect to the broker"), "an unreachable broker is retried: " + log.Dump());
        using var state = new SqliteConnection($"Data Source={db.StatePath};Pooling=False");
        state.Open();
        using var command = state.CreateCommand();
        command.CommandText = "SELECT count(*) FROM table_state WHERE table_name = 'pump'";
        Assert.Equal(1L, command.ExecuteScalar());
    }

    [Fact]
    public async Task Refused_credentials_are_logged_as_errors_and_retried_so_a_rotated_secret_is_picked_up()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var cloud = new Cloud(node, device);
        using var db = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER)");
        db.Execute("INSERT INTO pump VALUES (1, 10)");
        var log = new LogSink(output);

        await using (RunningAgent.Start(db.ConfigFor(device, node.MqttPort, password: "wrong-secret") with { ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) }, log))
        {
            await Eventually.GetAsync(() => Task.FromResult(log.Lines.Count(l => l.Level == LogLevel.Error && l.Message.Contains("refused the credentials"))),
                n => n >= 2, TimeSpan.FromSeconds(15), "two refused attempts");
        }
        Assert.True(log.Contains($"refused the credentials of user '{device.Username}'"), log.Dump());
        Assert.Null(await cloud.TryLineageAsync("pump"));

        // The right secret (as after a rotation): the journal kept everything.
        await using var agent = RunningAgent.Start(db.ConfigFor(device, node.MqttPort), new LogSink(output));
        Assert.NotEqual(Guid.Empty, await cloud.WaitForLineageAsync("pump"));
    }
}
