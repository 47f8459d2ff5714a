using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Lineages;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace EdgeSync.Tests.Governance;

/// <summary>A node whose PostgreSQL connections go through a <see cref="PostgresRelay"/>.</summary>
public sealed class RelayedNodeFixture : IAsyncLifetime
{
    public PostgresRelay Relay { get; private set; } = null!;
    public NodeFixture Node { get; } = new();

    public async Task InitializeAsync()
    {
        var database = await TestDatabase.CreateAsync();
        Relay = new PostgresRelay(database);
        Node.ConnectionString = Relay.Through(database);
        Node.Settings["Lineages:ReplayChunkRows"] = "100";
        Node.Settings["Lineages:ReplayStallAfter"] = "00:00:02";
        Node.Settings["Lineages:WatchdogInterval"] = "00:00:00.500";
        await Node.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Relay.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RelayedNodeCollection : ICollectionFixture<RelayedNodeFixture>
{
    public const string Name = "relayed node";
}

/// <summary>
/// The answer to a COMMIT is lost after the server applied it (the relay forwards the COMMIT and
/// cuts the connection). Whatever was committing — an approval, a replay chunk, a live batch, an
/// operator command — the lineage ends drained and equal to the device's table, with no operator
/// action and no restart.
/// </summary>
[Collection(RelayedNodeCollection.Name)]
public sealed class UnknownCommitOutcomeTests(RelayedNodeFixture fixture)
{
    private static readonly object[] Actions =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "name", action = "mirror" },
        new { source_column_name = "temp", action = "mirror" },
    ];

    private NodeFixture Node => fixture.Node;
    private PostgresRelay Relay => fixture.Relay;

    [Fact]
    public async Task A_lost_answer_to_the_approval_commit_answers_200_and_the_backlog_drains_exactly()
    {
        await using var scene = await Scene.StartAsync(Node);
        var dropped = Relay.AnswersDropped;
        await scene.ChangeAndPublishAsync(batches: 3, rowsPerBatch: 50);
        var lineageId = await scene.LineageIdAsync();

        Relay.DropNextCommitAnswer("review_approved");
        var approved = await scene.Api.ApproveAsync((await scene.Api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), Actions);
        Assert.Equal(dropped + 1, Relay.AnswersDropped);
        Assert.Equal("approved", approved.GetProperty("state").GetString());

        await scene.AssertDrainedAndExactAsync(lineageId);
        // Nothing queues behind a backlog that is not there: the next batch is written live.
        await scene.ChangeAndPublishAsync(batches: 1, rowsPerBatch: 5);
        var lineage = await scene.AssertDrainedAndExactAsync(lineageId);
        Assert.True(lineage.GetProperty("counters").GetProperty("batches_materialized").GetInt64() >= 1);
    }

    [Fact]
    public async Task A_lost_answer_to_a_replay_chunk_commit_does_not_stall_the_replay_of_a_quiet_table()
    {
        await using var scene = await Scene.StartAsync(Node);
        var dropped = Relay.AnswersDropped;
        await scene.ChangeAndPublishAsync(batches: 4, rowsPerBatch: 150);
        var lineageId = await scene.LineageIdAsync();

        Relay.DropNextCommitAnswer("replay_progressed");
        await scene.Api.ApproveAsync((await scene.Api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), Actions);

        // The device publishes nothing more: only the grain itself can carry the replay on.
        var lineage = await scene.AssertDrainedAndExactAsync(lineageId);
        Assert.Equal(dropped + 1, Relay.AnswersDropped);
        Assert.Equal("active", lineage.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_lost_answer_to_a_live_batch_commit_is_acknowledged_once_and_the_lineage_stays_exact()
    {
        await using var scene = await Scene.StartAsync(Node);
        var dropped = Relay.AnswersDropped;
        var lineageId = await scene.ApprovedAndDrainedAsync();

        Relay.DropNextCommitAnswer("batch_materialized");
        await scene.ChangeAndPublishAsync(batches: 1, rowsPerBatch: 20);
        Assert.Equal(dropped + 1, Relay.AnswersDropped);
        var lineage = await scene.AssertDrainedAndExactAsync(lineageId);
        Assert.Equal(2, lineage.GetProperty("counters").GetProperty("batches_accepted").GetInt64());

        // The grain took the stored state: the next batch is decided on the current watermark and written live.
        await scene.ChangeAndPublishAsync(batches: 1, rowsPerBatch: 5);
        lineage = await scene.AssertDrainedAndExactAsync(lineageId);
        Assert.Equal(3, lineage.GetProperty("counters").GetProperty("batches_accepted").GetInt64());
    }

    [Fact]
    public async Task Lost_answers_to_pause_and_resume_commits_answer_200_and_the_rows_staged_meanwhile_are_replayed()
    {
        await using var scene = await Scene.StartAsync(Node);
        var dropped = Relay.AnswersDropped;
        var lineageId = await scene.ApprovedAndDrainedAsync();

        Relay.DropNextCommitAnswer("lineage_paused");
        var paused = await scene.Api.PostAsync($"/lineages/{lineageId}/pause", new { reason = "maintenance" });
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal(dropped + 1, Relay.AnswersDropped);
        await scene.ChangeAndPublishAsync(batches: 3, rowsPerBatch: 40);
        var lineage = await scene.Api.LineageAsync(lineageId);
        Assert.Equal("paused", lineage.GetProperty("status").GetString());
        Assert.True(lineage.GetProperty("counters").GetProperty("staged_row_count").GetInt64() > 0);

        Relay.DropNextCommitAnswer("lineage_resumed");
        var resumed = await scene.Api.PostAsync($"/lineages/{lineageId}/resume");
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(dropped + 2, Relay.AnswersDropped);

        lineage = await scene.AssertDrainedAndExactAsync(lineageId);
        Assert.Equal("active", lineage.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_backlog_whose_replay_nothing_drives_is_noticed_by_the_watchdog_and_drained()
    {
        await using var scene = await Scene.StartAsync(Node);
        var dropped = Relay.AnswersDropped;
        await scene.ChangeAndPublishAsync(batches: 2, rowsPerBatch: 50);
        var lineageId = await scene.LineageIdAsync();
        var reviewId = (await scene.Api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid();
        var claimed = await Fleet.ReadDataAsync(await scene.Api.PostAsync($"/schema-reviews/{reviewId}/claim"));
        var grain = Node.Services.GetRequiredService<IGrainFactory>().GetGrain<ILineageGrain>(ILineageGrain.KeyOf(scene.Device.DeviceId, scene.Source.Table));
        var approve = new ApproveReview(reviewId, claimed.GetProperty("action_version").GetInt32(),
            [new ColumnAction("id", "mirror"), new ColumnAction("name", "mirror"), new ColumnAction("temp", "mirror")], null, "operator:test");

        // The approval commits, its answer is lost, and the store stays out of reach while the
        // grain tries to find out: the grain is left not knowing, and the device is quiet.
        Relay.DropNextCommitAnswer("review_approved");
        var approval = grain.ApproveReview(approve);
        await Eventually.GetAsync(() => Task.FromResult(Relay.AnswersDropped), n => n == dropped + 1, TimeSpan.FromSeconds(30), "the COMMIT answer to be dropped");
        Relay.GoDown();
        var result = await approval;
        Relay.ComeBack();
        Assert.Equal((503, "store_unavailable"), (result.Status, result.Code));

        var lineage = await scene.AssertDrainedAndExactAsync(lineageId);
        Assert.True(lineage.GetProperty("replay_intent").GetProperty("restarts").GetInt32() >= 1, "the watchdog recorded the stall on the lineage");

        // The operator's retry of the same approval: it was applied, so it answers as if it had just succeeded.
        Assert.Equal(CommandResult.Done, await grain.ApproveReview(approve));
    }

    /// <summary>One device with one SQLite table, connected to the relayed node.</summary>
    private sealed class Scene : IAsyncDisposable
    {
        private readonly Random _random = new(7);
        private long _nextId = 1;

        private Scene(RegisteredDevice device, EdgeApi api, TestDevice mqtt, SqliteSource source) =>
            (Device, Api, Mqtt, Source) = (device, api, mqtt, source);

        public RegisteredDevice Device { get; }
        public EdgeApi Api { get; }
        public TestDevice Mqtt { get; }
        public SqliteSource Source { get; }

        public static async Task<Scene> StartAsync(NodeFixture node)
        {
            var device = await Fleet.RegisterDeviceAsync(node);
            var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
            var mqtt = await device.ConnectAsync(node);
            return new Scene(device, api, mqtt, new SqliteSource("sensor", "id INTEGER PRIMARY KEY NOT NULL, name TEXT, temp REAL"));
        }

        /// <summary>New rows, updates of earlier ones and a few deletes, published batch by batch.</summary>
        public async Task ChangeAndPublishAsync(int batches, int rowsPerBatch)
        {
            for (var b = 0; b < batches; b++)
            {
                for (var i = 0; i < rowsPerBatch; i++)
                {
                    var id = _nextId > 10 && _random.Next(4) == 0 ? _random.NextInt64(1, _nextId) : _nextId++;
                    if (_random.Next(10) == 0)
                        Source.Delete(new Dictionary<string, object?> { ["id"] = id });
                    else
                        Source.Upsert(new Dictionary<string, object?> { ["id"] = id, ["name"] = $"s{_random.Next(1000)}", ["temp"] = _random.NextDouble() * 1e6 - 5e5 });
                }
                var result = await Mqtt.PublishAsync("sync/rows/batch", Source.TakeBatch()!);
                Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
            }
        }

        public async Task<Guid> LineageIdAsync() => (await Api.LineageOfAsync(Device.DeviceId)).GetProperty("id").GetGuid();

        /// <summary>A first batch, its review approved and its rows replayed: a lineage that writes live.</summary>
        public async Task<Guid> ApprovedAndDrainedAsync()
        {
            await ChangeAndPublishAsync(batches: 1, rowsPerBatch: 10);
            var lineageId = await LineageIdAsync();
            await Api.ApproveAsync((await Api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), Actions);
            await AssertDrainedAndExactAsync(lineageId);
            return lineageId;
        }

        public async Task<JsonElement> AssertDrainedAndExactAsync(Guid lineageId)
        {
            var lineage = await Api.WaitForBacklogDrainedAsync(lineageId, TimeSpan.FromSeconds(45));
            var expected = Source.Rows();
            var mirror = await Eventually.GetAsync(() => Api.MirrorRowsAsync(lineageId), rows => rows.Count == expected.Count,
                TimeSpan.FromSeconds(10), $"the mirror to hold {expected.Count} rows");
            foreach (var row in mirror)
            {
                var sqlite = expected[new JsonObject { ["id"] = row.GetProperty("id").GetInt64() }.ToJsonString()];
                Assert.Equal(sqlite["name"]!.GetValue<string>(), row.GetProperty("name").GetString());
                Assert.Equal(sqlite["temp"]!.GetValue<double>(), row.GetProperty("temp").GetDouble());
            }
            return lineage;
        }

        public async ValueTask DisposeAsync()
        {
            await Mqtt.DisposeAsync();
            Source.Dispose();
            Api.Dispose();
        }
    }
}
