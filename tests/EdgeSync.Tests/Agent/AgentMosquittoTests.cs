using System.Diagnostics;
using System.Text.Json;
using EdgeSync.Agent.Config;
using EdgeSync.Tests.Infrastructure;
using EdgeSync.Wire;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>The agent against a third-party broker (Mosquitto): the exact wire format, controls and acknowledgements, MQTT 5 and 3.1.1.</summary>
public sealed class AgentMosquittoTests(ITestOutputHelper output)
{
    private static AgentConfig ConfigFor(DeviceDatabase db, int port, string device, MqttProtocol protocol) => new()
    {
        Broker = new BrokerAddress("127.0.0.1", port, false),
        DeviceName = device,
        RootTopic = $"demo/{device}",
        DatabasePath = db.Path,
        StateDatabasePath = db.StatePath,
        FlushInterval = TimeSpan.FromMilliseconds(200),
        Protocol = protocol,
        ReconnectMaxDelay = TimeSpan.FromSeconds(1),
    };

    [Theory]
    [InlineData(MqttProtocol.V5)]
    [InlineData(MqttProtocol.V311)]
    public async Task Batches_are_the_exact_wire_format_and_every_control_is_acknowledged_before_it_is_applied(MqttProtocol protocol)
    {
        await using var broker = await Mosquitto.StartAsync();
        using var db = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, label TEXT, rpm REAL, raw BLOB); CREATE TABLE fan (id INTEGER PRIMARY KEY)");
        db.Execute("INSERT INTO pump VALUES (1, 'Grüße', 1.5, x'cafe'), (2, NULL, 2.0, NULL)");
        var device = $"gw-{protocol}".ToLowerInvariant();
        var root = $"demo/{device}";
        var log = new LogSink(output);
        await using var agent = RunningAgent.Start(ConfigFor(db, broker.Port, device, protocol), log);

        var batch = (await broker.WaitForAsync($"{root}/sync/rows/batch"))[0];
        var read = RowBatchReader.Read(batch);
        Assert.True(read.IsAccepted, read.ToString());
        var rows = read.Value!;
        Assert.Equal("pump", rows.SourceTable);
        Assert.True(Uuid7.IsValid(rows.BatchId) && Uuid7.IsValid(rows.JournalEpoch));
        Assert.NotNull(rows.SchemaColumns);
        Assert.Equal(rows.SchemaColumns!.ComputeHash(), rows.SchemaHash);
        Assert.Equal(["insert", "insert"], rows.Rows.Select(r => r.Op));
        Assert.Equal("""{"id":1}""", rows.Rows[0].PkJson);
        Assert.Equal("""{"id":1,"label":"Grüße","rpm":1.5,"raw":"yv4="}""", rows.Rows[0].RowJson);
        Assert.Equal("""{"id":2,"label":null,"rpm":2.0,"raw":null}""", rows.Rows[1].RowJson);
        using (var envelope = JsonDocument.Parse(batch))
            Assert.Equal(
                ["format_version", "capture_strategy", "batch_id", "journal_epoch", "source_table", "schema_hash", "schema_columns", "first_commit_seq", "last_commit_seq", "rows"],
                envelope.RootElement.EnumerateObject().Select(p => p.Name));

        // A pause, published by an operator's script, delivered twice: two acknowledgements, one pause.
        var pause = Guid.CreateVersion7().ToString();
        var control = $$"""{"format_version":1,"control_id":"{{pause}}","control_kind":"pause_lineage","source_table":"pump","server_watermark":{{rows.LastCommitSeq}},"reason":"test"}""";
        await broker.PublishWithCliAsync($"{root}/sync/ingest/control", control);
        await broker.PublishWithCliAsync($"{root}/sync/ingest/control", control);
        var acks = await broker.WaitForAsync($"{root}/sync/ingest/ack", 2);
        Assert.All(acks, ack => Assert.Equal($$"""{"format_version":1,"control_id":"{{pause}}"}""", Mosquitto.Text(ack)));
        await Eventually.GetAsync(() => Task.FromResult(log.Contains("The cloud paused table pump")), found => found, TimeSpan.FromSeconds(5), "the pause");

        db.Execute("INSERT INTO pump VALUES (3, 'while paused', 3.0, NULL)");
        db.Execute("INSERT INTO fan VALUES (1)");
        await broker.WaitForAsync($"{root}/sync/rows/batch", 2); // fan's batch
        await Task.Delay(600);
        var tables = broker.Messages($"{root}/sync/rows/batch").Select(p => RowBatchReader.Read(p).Value!.SourceTable).ToList();
        Assert.Equal(["pump", "fan"], tables);

        // Resume from the watermark: the row journaled while paused follows, nothing before it again.
        var resume = Guid.CreateVersion7().ToString();
        await broker.PublishWithCliAsync($"{root}/sync/ingest/control",
            $$"""{"format_version":1,"control_id":"{{resume}}","control_kind":"resume_lineage","source_table":"pump","server_watermark":{{rows.LastCommitSeq}}}""");
        var after = (await broker.WaitForAsync($"{root}/sync/rows/batch", 3))[2];
        var resumed = RowBatchReader.Read(after).Value!;
        Assert.Equal("pump", resumed.SourceTable);
        Assert.Null(resumed.SchemaColumns); // the cloud already got them
        Assert.Equal("""{"id":3}""", Assert.Single(resumed.Rows).PkJson);
        Assert.True(resumed.FirstCommitSeq > rows.LastCommitSeq);
        Assert.Contains(broker.Messages($"{root}/sync/ingest/ack"), ack => Mosquitto.Text(ack).Contains(resume));
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task The_real_program_enrolls_dry_runs_publishes_and_stops_on_SIGTERM()
    {
        await using var broker = await Mosquitto.StartAsync();
        using var db = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER); CREATE TABLE notes (body TEXT)");
        db.Execute("INSERT INTO pump VALUES (1, 100)");
        var configPath = Path.Combine(db.Directory, "agent.yaml");
        await File.WriteAllTextAsync(configPath, $"""
            broker_url: mqtt://127.0.0.1:{broker.Port}
            device_name: gw-proc
            root_topic: demo/gw-proc
            database: app.db
            flush_interval: 200ms
            protocol: 3.1.1
            """);

        var (dryRunExit, dryRun) = await RunToEndAsync("enroll", "--config", configPath, "--dry-run");
        Assert.Equal(0, dryRunExit);
        Assert.Contains("pump: enrolled: key (id)", dryRun);
        Assert.Contains("notes: REFUSED: it has no explicit PRIMARY KEY", dryRun);
        Assert.Equal(0, db.Count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")); // a dry run changes nothing

        var (missingExit, missing) = await RunToEndAsync("run", "--config", configPath, "--verbose", "--dry-run-is-not-an-option-here");
        Assert.NotEqual(0, missingExit);
        Assert.Contains("--dry-run-is-not-an-option-here", missing);

        using var agent = Start("run", "--config", configPath);
        await broker.WaitForAsync("demo/gw-proc/sync/rows/batch", timeout: TimeSpan.FromSeconds(30));
        using (var kill = Process.Start("kill", ["-TERM", agent.Id.ToString()]))
            await kill.WaitForExitAsync();
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await agent.WaitForExitAsync(exited.Token);
        Assert.Equal(0, agent.ExitCode);

        File.Delete(db.Path);
        var (noDatabaseExit, noDatabase) = await RunToEndAsync("run", "--config", configPath);
        Assert.Equal(2, noDatabaseExit);
        Assert.Contains("does not exist", noDatabase);
    }

    private static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "edgesync-agent.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Process.Start(info)!;
    }

    private static async Task<(int ExitCode, string Output)> RunToEndAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
