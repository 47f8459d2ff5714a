using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Governance;

[Collection(NodeCollection.Name)]
public sealed class ApprovalTests(NodeFixture node)
{
    private const string Columns = "id INTEGER PRIMARY KEY NOT NULL, name TEXT, temp REAL, raw BLOB, note TEXT, reading REAL";

    private static readonly object[] MixedActions =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "name", action = "mirror", mirror_column_name = "label" },
        new { source_column_name = "temp", action = "mirror" },
        new { source_column_name = "raw", action = "mirror" },
        new { source_column_name = "note", action = "ignore" },
        new { source_column_name = "reading", action = "map", data_point = "boiler.reading" },
    ];

    private static void RandomOperations(SqliteSource source, Random random, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var id = random.Next(1, 12);
            if (random.Next(4) == 0)
                source.Delete(new Dictionary<string, object?> { ["id"] = (long)id });
            else
                source.Upsert(new Dictionary<string, object?>
                {
                    ["id"] = (long)id,
                    ["name"] = $"n{random.Next(1000)}'\"",
                    ["temp"] = random.NextDouble() * 100,
                    ["raw"] = random.Next(3) == 0 ? null : Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)).ToArray(),
                    ["note"] = "secret",
                    ["reading"] = random.Next(1000) / 10.0,
                });
        }
    }

    [Fact]
    public async Task Approval_with_mixed_actions_replays_the_backlog_and_live_batches_follow_so_the_mirror_equals_SQLite()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        using var source = new SqliteSource("boiler", Columns);
        var random = new Random(42);

        RandomOperations(source, random, 40);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        var review = await api.OpenReviewAsync(lineageId);

        var approved = await api.ApproveAsync(review.GetProperty("id").GetGuid(), MixedActions);
        Assert.Equal("approved", approved.GetProperty("state").GetString());

        // Live batches arriving during and after the replay.
        for (var round = 0; round < 3; round++)
        {
            RandomOperations(source, random, 25);
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        }

        var lineage = await api.WaitForBacklogDrainedAsync(lineageId);
        Assert.Equal("active", lineage.GetProperty("status").GetString());
        Assert.True(lineage.GetProperty("counters").GetProperty("batches_materialized").GetInt64() >= 1, "later batches were written live");

        var mirror = await api.MirrorRowsAsync(lineageId);
        var expected = source.Rows();
        Assert.Equal(expected.Count, mirror.Count);
        foreach (var row in mirror)
        {
            var sqlite = expected[new JsonObject { ["id"] = row.GetProperty("id").GetInt64() }.ToJsonString()];
            Assert.Equal(sqlite["name"]!.GetValue<string>(), row.GetProperty("label").GetString());
            Assert.Equal(sqlite["temp"]!.GetValue<double>(), row.GetProperty("temp").GetDouble());
            Assert.Equal(sqlite["raw"]?.GetValue<string>(), row.GetProperty("raw").ValueKind == JsonValueKind.Null ? null : row.GetProperty("raw").GetString());
            Assert.False(row.TryGetProperty("note", out _), "ignored columns are not mirrored");
            Assert.False(row.TryGetProperty("reading", out _), "mapped columns go to telemetry, not the mirror");
            Assert.Equal(device.DeviceId, row.GetProperty("_edge_device_id").GetGuid());
        }

        await using var db = new NpgsqlConnection(node.ConnectionString);
        await db.OpenAsync();
        await using var types = new NpgsqlCommand(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = @t AND column_name IN ('id','label','temp','raw') ORDER BY column_name", db);
        types.Parameters.AddWithValue("t", lineage.GetProperty("mirror").GetProperty("name").GetString()!);
        var typed = new Dictionary<string, string>();
        await using (var reader = await types.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                typed[reader.GetString(0)] = reader.GetString(1);
        Assert.Equal(new Dictionary<string, string> { ["id"] = "bigint", ["label"] = "text", ["raw"] = "bytea", ["temp"] = "double precision" }, typed);

        await using var points = new NpgsqlCommand("SELECT count(*) FROM edgesync.edge_telemetry_points WHERE lineage_id = @l AND data_point = 'boiler.reading'", db);
        points.Parameters.AddWithValue("l", lineageId);
        Assert.True((long)(await points.ExecuteScalarAsync())! > 0);
    }

    [Fact]
    public async Task Two_approvals_with_the_same_action_version_one_wins_and_a_retried_key_returns_the_stored_response()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        using var source = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
        source.Upsert(new Dictionary<string, object?> { ["id"] = 1L, ["rpm"] = 900L });
        await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        var reviewId = (await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid();
        var claimed = await Fleet.ReadDataAsync(await api.PostAsync($"/schema-reviews/{reviewId}/claim"));
        var body = new
        {
            action_version = claimed.GetProperty("action_version").GetInt32(),
            column_actions = new object[] { new { source_column_name = "id", action = "mirror" }, new { source_column_name = "rpm", action = "mirror" } },
        };

        var first = await api.PostAsync($"/schema-reviews/{reviewId}/approve", body, "approve-1");
        var second = await api.PostAsync($"/schema-reviews/{reviewId}/approve", body, "approve-2");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("review_", await second.Content.ReadAsStringAsync());

        var retried = await api.PostAsync($"/schema-reviews/{reviewId}/approve", body, "approve-1");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retried.Content.ReadAsStringAsync());
        var reused = await api.PostAsync($"/schema-reviews/{reviewId}/approve", new { action_version = 99, column_actions = Array.Empty<object>() }, "approve-1");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);

        await api.WaitForBacklogDrainedAsync(lineageId);
        Assert.Single(await api.MirrorRowsAsync(lineageId));
    }

    [Fact]
    public async Task Approval_is_refused_when_a_key_column_is_not_mirrored_and_mirror_rows_are_404_before_approval()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        using var source = new SqliteSource("valve", "a INTEGER NOT NULL, b TEXT NOT NULL, state TEXT, PRIMARY KEY (a, b)");
        source.Upsert(new Dictionary<string, object?> { ["a"] = 1L, ["b"] = "x", ["state"] = "open" });
        await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        var reviewId = (await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid();

        var mirrorRows = await api.Client.GetAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineageId}/mirror-rows");
        Assert.Equal(HttpStatusCode.NotFound, mirrorRows.StatusCode);
        Assert.Contains("mirror_not_provisioned", await mirrorRows.Content.ReadAsStringAsync());

        var refused = await api.PostAsync($"/schema-reviews/{reviewId}/approve", new
        {
            action_version = 1,
            column_actions = new object[] { new { source_column_name = "a", action = "mirror" }, new { source_column_name = "b", action = "ignore" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("key column 'b' must be mirrored", await refused.Content.ReadAsStringAsync());

        var invalid = await api.PostAsync($"/schema-reviews/{reviewId}/approve", new
        {
            action_version = 1,
            column_actions = new object[] { new { source_column_name = "a", action = "teleport" }, new { source_column_name = "state", action = "map" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").EnumerateObject().Count() >= 2);
    }
}
