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

    [Fact]
    public async Task A_row_too_large_for_any_batch_is_rejected_by_the_cloud_logged_loudly_and_skipped_so_the_table_keeps_flowing()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var cloud = new Cloud(node, device);
        using var db = new DeviceDatabase("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
        db.Execute("INSERT INTO notes VALUES (1, 'small')");
        var log = new LogSink(output);
        await using var agent = RunningAgent.Start(db.ConfigFor(device, node.MqttPort), log);
        var lineage = await cloud.WaitForLineageAsync("notes");

        db.Execute("INSERT INTO notes VALUES (2, $body)", ("$body", new string('x', 600 * 1024)));
        db.Execute("INSERT INTO notes VALUES (3, 'after')");
        await Eventually.GetAsync(() => Task.FromResult(log.Contains("The cloud REJECTED notes batch")), found => found, TimeSpan.FromSeconds(15), "the rejection");
        Assert.True(log.Contains("QuotaExceeded", LogLevel.Error), log.Dump());
        await Eventually.GetAsync(() => cloud.Api.LineageAsync(lineage), l => l.GetProperty("counters").GetProperty("rows_received").GetInt64() == 2,
            TimeSpan.FromSeconds(10), "the row after the rejected one");
        await Eventually.GetAsync(() => Task.FromResult(db.JournalRows("notes")), n => n == 0, TimeSpan.FromSeconds(10), "the journal to be pruned past the rejected row");
        var rejections = await cloud.Api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}");
        Assert.Contains("payload_too_large", rejections.GetRawText());
    }
}
