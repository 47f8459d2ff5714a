using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Governance;

/// <summary>
/// Coalesced mirror tables end to end: devices publishing over MQTT into one table per (project,
/// source table), approved per lineage with <c>mirror_layout</c> or by the project's default.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class CoalescedMirrorTests(NodeFixture node)
{
    private const string Table = "device_state";
    private const string Columns = "id INTEGER PRIMARY KEY NOT NULL, mode TEXT, temp REAL";

    private static readonly object[] MirrorAll =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "mode", action = "mirror" },
        new { source_column_name = "temp", action = "mirror" },
    ];

    /// <summary>A device of the project, connected, with its SQLite table.</summary>
    private sealed class Gateway(RegisteredDevice device, TestDevice mqtt, SqliteSource source) : IAsyncDisposable
    {
        public RegisteredDevice Device { get; } = device;
        public TestDevice Mqtt { get; } = mqtt;
        public SqliteSource Source { get; } = source;
        public Guid LineageId { get; set; }

        public async Task PublishAsync(bool twice = false, bool? withColumns = null)
        {
            var batch = Source.TakeBatch(withColumns);
            if (batch is null)
                return;
            Assert.Equal(MqttClientPublishReasonCode.Success, (await Mqtt.PublishAsync("sync/rows/batch", batch)).ReasonCode);
            if (twice) // a redelivery: the same batch id again
                Assert.Equal(MqttClientPublishReasonCode.Success, (await Mqtt.PublishAsync("sync/rows/batch", batch)).ReasonCode);
        }

        public async ValueTask DisposeAsync()
        {
            await Mqtt.DisposeAsync();
            Source.Dispose();
        }
    }

    private async Task<List<Gateway>> GatewaysAsync(Guid projectId, int count, string columns = Columns)
    {
        var gateways = new List<Gateway>();
        for (var i = 0; i < count; i++)
        {
            var device = await Fleet.RegisterDeviceAsync(node, projectId);
            gateways.Add(new Gateway(device, await device.ConnectAsync(node), new SqliteSource(Table, columns)));
        }
        return gateways;
    }

    /// <summary>The same keys on every device, with values of their own: rows collide unless the device is part of the key.</summary>
    private static void RandomOperations(Gateway gateway, Random random, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var id = (long)random.Next(1, 9);
            if (random.Next(4) == 0)
                gateway.Source.Delete(new Dictionary<string, object?> { ["id"] = id });
            else
                gateway.Source.Upsert(new Dictionary<string, object?>
                {
                    ["id"] = id, ["mode"] = $"{gateway.Device.Name}-{random.Next(1000)}", ["temp"] = random.Next(1000) / 10.0,
                });
        }
    }

    /// <summary>Publishes a first batch and answers the lineage's open review id.</summary>
    private static async Task<Guid> FirstBatchAsync(EdgeApi api, Gateway gateway, Random random)
    {
        RandomOperations(gateway, random, 12);
        await gateway.PublishAsync();
        gateway.LineageId = (await Eventually.GetAsync(() => api.LineageOfAsync(gateway.Device.DeviceId), _ => true)).GetProperty("id").GetGuid();
        return (await api.OpenReviewAsync(gateway.LineageId)).GetProperty("id").GetGuid();
    }

    private static async Task AssertMirrorEqualsSqliteAsync(EdgeApi api, Gateway gateway)
    {
        var mirror = await api.MirrorRowsAsync(gateway.LineageId);
        var expected = gateway.Source.Rows();
        Assert.Equal(expected.Count, mirror.Count);
        foreach (var row in mirror)
        {
            Assert.Equal(gateway.Device.DeviceId, row.GetProperty("_edge_device_id").GetGuid());
            var sqlite = expected[new JsonObject { ["id"] = row.GetProperty("id").GetInt64() }.ToJsonString()];
            Assert.Equal(sqlite["mode"]!.GetValue<string>(), row.GetProperty("mode").GetString());
            Assert.Equal(sqlite["temp"]!.GetValue<double>(), row.GetProperty("temp").GetDouble());
        }
    }

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var db = new NpgsqlConnection(node.ConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private Task<bool> TableExistsAsync(string schema, string name) =>
        ScalarAsync<bool>("SELECT to_regclass(@n) IS NOT NULL", ("n", $"{schema}.\"{name}\""));

    private static async Task<string> CodeOfAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString()!;

    [Fact]
    public async Task Devices_sharing_keys_write_one_coalesced_table_and_each_lineage_shows_its_devices_rows_equal_to_its_sqlite_table()
    {
        var projectId = await Fleet.CreateProjectAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{projectId}:PROJECT_CAN_MANAGE_DEVICES"), projectId);
        var gateways = await GatewaysAsync(projectId, 4);
        var random = new Random(7);
        try
        {
            var reviews = new List<Guid>();
            foreach (var gateway in gateways)
                reviews.Add(await FirstBatchAsync(api, gateway, random));
            // Approved at once: the lineages bind to one table concurrently, none fails.
            await Task.WhenAll(reviews.Select(review => api.ApproveAsync(review, MirrorAll, mirrorLayout: "coalesced")));

            // Live batches with updates and deletes of the same keys on every device, some delivered twice.
            for (var round = 0; round < 3; round++)
                foreach (var gateway in gateways)
                {
                    RandomOperations(gateway, random, 15);
                    await gateway.PublishAsync(twice: round == 1);
                }

            var slug = gateways[0].Device.TopicSlug;
            foreach (var gateway in gateways)
            {
                var lineage = await api.WaitForBacklogDrainedAsync(gateway.LineageId);
                Assert.Equal($"edge_fleet_{slug}_{Table}", lineage.GetProperty("mirror").GetProperty("name").GetString());
                Assert.Equal("coalesced", lineage.GetProperty("mirror").GetProperty("layout").GetString());
                await Eventually.GetAsync(() => api.MirrorRowsAsync(gateway.LineageId), rows => rows.Count == gateway.Source.Rows().Count);
                await AssertMirrorEqualsSqliteAsync(api, gateway);
            }
            var total = await ScalarAsync<long>($"SELECT count(*) FROM edge_mirror.\"edge_fleet_{slug}_{Table}\"");
            Assert.Equal(gateways.Sum(g => g.Source.Rows().Count), total);
            Assert.Equal(gateways.Count, await ScalarAsync<long>($"SELECT count(DISTINCT _edge_device_id) FROM edge_mirror.\"edge_fleet_{slug}_{Table}\""));
        }
        finally
        {
            foreach (var gateway in gateways)
                await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_additive_change_of_some_devices_adds_the_nullable_column_once_and_older_devices_write_null_there()
    {
        var projectId = await Fleet.CreateProjectAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{projectId}:PROJECT_CAN_MANAGE_DEVICES"), projectId);
        var gateways = await GatewaysAsync(projectId, 3);
        var random = new Random(11);
        try
        {
            foreach (var gateway in gateways)
                await api.ApproveAsync(await FirstBatchAsync(api, gateway, random), MirrorAll, mirrorLayout: "coalesced");
            var name = (await api.WaitForBacklogDrainedAsync(gateways[0].LineageId)).GetProperty("mirror").GetProperty("name").GetString()!;

            // Two of the three devices upgrade: a new nullable column, reviewed and approved on each.
            object[] withNote = [.. MirrorAll, new { source_column_name = "note", action = "mirror" }];
            foreach (var gateway in gateways.Take(2))
            {
                gateway.Source.Execute($"ALTER TABLE {Table} ADD COLUMN note TEXT");
                gateway.Source.Upsert(new Dictionary<string, object?> { ["id"] = 100L, ["mode"] = "new", ["temp"] = 1.0, ["note"] = $"from {gateway.Device.Name}" });
                await gateway.PublishAsync(withColumns: true);
                var review = await Eventually.GetAsync(() => api.LineageAsync(gateway.LineageId), l => l.GetProperty("open_review").ValueKind == JsonValueKind.Object);
                // No layout named: the lineage keeps its coalesced table.
                await api.ApproveAsync(review.GetProperty("open_review").GetProperty("review_id").GetGuid(), withNote);
            }
            // The device still on the older schema keeps writing.
            var older = gateways[2];
            older.Source.Upsert(new Dictionary<string, object?> { ["id"] = 100L, ["mode"] = "old", ["temp"] = 2.0 });
            await older.PublishAsync();

            foreach (var gateway in gateways)
            {
                var lineage = await api.WaitForBacklogDrainedAsync(gateway.LineageId);
                Assert.Equal(name, lineage.GetProperty("mirror").GetProperty("name").GetString());
            }
            await Eventually.GetAsync(() => api.MirrorRowsAsync(older.LineageId), rows => rows.Any(r => r.GetProperty("id").GetInt64() == 100));
            Assert.Equal(1L, await ScalarAsync<long>(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'edge_mirror' AND table_name = @t AND column_name = 'note'", ("t", name)));
            foreach (var gateway in gateways.Take(2))
            {
                var row = await Eventually.GetAsync(() => api.MirrorRowsAsync(gateway.LineageId), rows => rows.Any(r => r.GetProperty("id").GetInt64() == 100));
                Assert.Equal($"from {gateway.Device.Name}", row.Single(r => r.GetProperty("id").GetInt64() == 100).GetProperty("note").GetString());
            }
            var olderRows = await api.MirrorRowsAsync(older.LineageId);
            Assert.All(olderRows, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("note").ValueKind));
            Assert.Equal("old", olderRows.Single(r => r.GetProperty("id").GetInt64() == 100).GetProperty("mode").GetString());
        }
        finally
        {
            foreach (var gateway in gateways)
                await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_automatic_additive_change_that_clashes_with_another_devices_column_goes_to_review_instead()
    {
        var projectId = await Fleet.CreateProjectAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{projectId}:PROJECT_CAN_MANAGE_DEVICES"), projectId);
        Assert.Equal(HttpStatusCode.OK, (await api.PatchPolicyAsync(new { allow_additive_continue = true, default_mirror_layout = "coalesced" })).StatusCode);
        var gateways = await GatewaysAsync(projectId, 2);
        var random = new Random(17);
        try
        {
            foreach (var gateway in gateways)
                await api.ApproveAsync(await FirstBatchAsync(api, gateway, random), MirrorAll);
            var (first, second) = (gateways[0], gateways[1]);
            var name = (await api.WaitForBacklogDrainedAsync(first.LineageId)).GetProperty("mirror").GetProperty("name").GetString()!;
            await api.WaitForBacklogDrainedAsync(second.LineageId);

            // The first device adds a text column: accepted without a review, the column added.
            first.Source.Execute($"ALTER TABLE {Table} ADD COLUMN extra TEXT");
            first.Source.Upsert(new Dictionary<string, object?> { ["id"] = 200L, ["mode"] = "m", ["temp"] = 1.0, ["extra"] = "text" });
            await first.PublishAsync(withColumns: true);
            var firstRows = await Eventually.GetAsync(() => api.MirrorRowsAsync(first.LineageId), rows => rows.Any(r => r.GetProperty("id").GetInt64() == 200));
            Assert.Equal("text", firstRows.Single(r => r.GetProperty("id").GetInt64() == 200).GetProperty("extra").GetString());

            // The second adds a column of that name as INTEGER: the shared table cannot take it, so an operator decides.
            second.Source.Execute($"ALTER TABLE {Table} ADD COLUMN extra INTEGER");
            second.Source.Upsert(new Dictionary<string, object?> { ["id"] = 200L, ["mode"] = "m", ["temp"] = 1.0, ["extra"] = 7L });
            await second.PublishAsync(withColumns: true);
            var paused = await Eventually.GetAsync(() => api.LineageAsync(second.LineageId), l => l.GetProperty("open_review").ValueKind == JsonValueKind.Object);
            Assert.Contains("schema_review", paused.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));
            Assert.True(paused.GetProperty("counters").GetProperty("staged_row_count").GetInt64() > 0);
            Assert.Equal("text", await ScalarAsync<string>(
                "SELECT data_type::text FROM information_schema.columns WHERE table_schema = 'edge_mirror' AND table_name = @t AND column_name = 'extra'", ("t", name)));

            var reviewId = paused.GetProperty("open_review").GetProperty("review_id").GetGuid();
            object[] asExtra = [.. MirrorAll, new { source_column_name = "extra", action = "mirror" }];
            var clash = await api.TryApproveAsync(reviewId, asExtra);
            Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
            Assert.Equal("mirror_column_type_conflict", await CodeOfAsync(clash));
            object[] renamed = [.. MirrorAll, new { source_column_name = "extra", action = "mirror", mirror_column_name = "extra_count" }];
            Assert.Equal(HttpStatusCode.OK, (await api.TryApproveAsync(reviewId, renamed)).StatusCode);
            await api.WaitForBacklogDrainedAsync(second.LineageId);
            var secondRow = (await api.MirrorRowsAsync(second.LineageId)).Single(r => r.GetProperty("id").GetInt64() == 200);
            Assert.Equal(7L, secondRow.GetProperty("extra_count").GetInt64());
            Assert.Equal(JsonValueKind.Null, secondRow.GetProperty("extra").ValueKind);
        }
        finally
        {
            foreach (var gateway in gateways)
                await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task Deleting_one_lineage_with_drop_mirror_removes_only_its_devices_rows_and_the_last_one_drops_the_table()
    {
        var projectId = await Fleet.CreateProjectAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{projectId}:PROJECT_CAN_MANAGE_DEVICES"), projectId);
        var gateways = await GatewaysAsync(projectId, 2);
        var random = new Random(5);
        try
        {
            foreach (var gateway in gateways)
                await api.ApproveAsync(await FirstBatchAsync(api, gateway, random), MirrorAll, mirrorLayout: "coalesced");
            var (gone, stays) = (gateways[0], gateways[1]);
            var name = (await api.WaitForBacklogDrainedAsync(gone.LineageId)).GetProperty("mirror").GetProperty("name").GetString()!;
            await api.WaitForBacklogDrainedAsync(stays.LineageId);
            // Deletes leave tombstones of both devices.
            foreach (var gateway in gateways)
            {
                gateway.Source.Upsert(new Dictionary<string, object?> { ["id"] = 50L, ["mode"] = "x", ["temp"] = 0.0 });
                gateway.Source.Delete(new Dictionary<string, object?> { ["id"] = 50L });
                await gateway.PublishAsync();
            }
            await Eventually.GetAsync(() => ScalarAsync<long>($"SELECT count(DISTINCT _edge_device_id) FROM edge_mirror_tombstones.\"{name}\""), n => n == 2);
            Assert.True(gone.Source.Rows().Count > 0);
            var staysTombstones = await ScalarAsync<long>($"SELECT count(*) FROM edge_mirror_tombstones.\"{name}\" WHERE _edge_device_id = @d", ("d", stays.Device.DeviceId));

            Assert.Equal(HttpStatusCode.OK, (await api.DeleteLineageAsync(gone.LineageId, dropMirror: true)).StatusCode);

            Assert.True(await TableExistsAsync("edge_mirror", name), "the table stays while another lineage is bound to it");
            Assert.Equal(0L, await ScalarAsync<long>($"SELECT count(*) FROM edge_mirror.\"{name}\" WHERE _edge_device_id = @d", ("d", gone.Device.DeviceId)));
            Assert.Equal(0L, await ScalarAsync<long>($"SELECT count(*) FROM edge_mirror_tombstones.\"{name}\" WHERE _edge_device_id = @d", ("d", gone.Device.DeviceId)));
            Assert.Equal(staysTombstones, await ScalarAsync<long>($"SELECT count(*) FROM edge_mirror_tombstones.\"{name}\" WHERE _edge_device_id = @d", ("d", stays.Device.DeviceId)));
            await AssertMirrorEqualsSqliteAsync(api, stays);

            Assert.Equal(HttpStatusCode.OK, (await api.DeleteLineageAsync(stays.LineageId, dropMirror: true)).StatusCode);
            Assert.False(await TableExistsAsync("edge_mirror", name), "the last bound lineage drops the table");
            Assert.False(await TableExistsAsync("edge_mirror_tombstones", name));
        }
        finally
        {
            foreach (var gateway in gateways)
                await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_policys_default_mirror_layout_is_used_when_the_approval_names_none()
    {
        var projectId = await Fleet.CreateProjectAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{projectId}:PROJECT_CAN_MANAGE_DEVICES"), projectId);
        var policy = await Fleet.ReadDataAsync(await api.Client.GetAsync($"/core/api/v1/projects/{projectId}/edge/policy"));
        Assert.Equal("per_device", policy.GetProperty("default_mirror_layout").GetString());

        var invalid = await api.PatchPolicyAsync(new { default_mirror_layout = "fleet" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("default_mirror_layout", await invalid.Content.ReadAsStringAsync());
        var patched = await Fleet.ReadDataAsync(await api.PatchPolicyAsync(new { default_mirror_layout = "coalesced" }));
        Assert.Equal("coalesced", patched.GetProperty("default_mirror_layout").GetString());
        Assert.Equal("coalesced", (await Fleet.ReadDataAsync(await api.Client.GetAsync($"/core/api/v1/projects/{projectId}/edge/policy")))
            .GetProperty("default_mirror_layout").GetString());

        var gateways = await GatewaysAsync(projectId, 2);
        var random = new Random(3);
        try
        {
            var reviews = new List<Guid>();
            foreach (var gateway in gateways)
                reviews.Add(await FirstBatchAsync(api, gateway, random));
            var wrong = await api.TryApproveAsync(reviews[0], MirrorAll, mirrorLayout: "fleet");
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Equal("validation_failed", await CodeOfAsync(wrong));

            await api.ApproveAsync(reviews[0], MirrorAll);
            await api.ApproveAsync(reviews[1], MirrorAll, mirrorLayout: "per_device");

            var coalesced = (await api.WaitForBacklogDrainedAsync(gateways[0].LineageId)).GetProperty("mirror");
            Assert.Equal("coalesced", coalesced.GetProperty("layout").GetString());
            Assert.Equal($"edge_fleet_{gateways[0].Device.TopicSlug}_{Table}", coalesced.GetProperty("name").GetString());
            var perDevice = (await api.WaitForBacklogDrainedAsync(gateways[1].LineageId)).GetProperty("mirror");
            Assert.Equal("per_device", perDevice.GetProperty("layout").GetString());
            Assert.StartsWith("edge_mirror_", perDevice.GetProperty("name").GetString());
            foreach (var gateway in gateways)
                await AssertMirrorEqualsSqliteAsync(api, gateway);
        }
        finally
        {
            foreach (var gateway in gateways)
                await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_lineage_of_another_project_cannot_bind_to_this_projects_coalesced_table()
    {
        var ours = await Fleet.CreateProjectAsync(node);
        var theirs = await Fleet.CreateProjectAsync(node);
        using var ourApi = new EdgeApi(node.CreateClient($"{ours}:PROJECT_CAN_MANAGE_DEVICES"), ours);
        using var theirApi = new EdgeApi(node.CreateClient($"{theirs}:PROJECT_CAN_MANAGE_DEVICES"), theirs);
        var ourGateway = (await GatewaysAsync(ours, 1))[0];
        var theirGateway = (await GatewaysAsync(theirs, 1))[0];
        var random = new Random(13);
        try
        {
            await ourApi.ApproveAsync(await FirstBatchAsync(ourApi, ourGateway, random), MirrorAll, mirrorLayout: "coalesced");
            var name = (await ourApi.WaitForBacklogDrainedAsync(ourGateway.LineageId)).GetProperty("mirror").GetProperty("name").GetString()!;
            var rowsBefore = await ScalarAsync<long>($"SELECT count(*) FROM edge_mirror.\"{name}\"");

            var review = await FirstBatchAsync(theirApi, theirGateway, random);
            foreach (var layout in new[] { "coalesced", "per_device" })
            {
                var refused = await theirApi.TryApproveAsync(review, MirrorAll, mirrorTableName: name, mirrorLayout: layout);
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
                Assert.Equal("mirror_table_name_taken", await CodeOfAsync(refused));
            }
            Assert.Equal("paused", (await theirApi.LineageAsync(theirGateway.LineageId)).GetProperty("status").GetString());

            // Their own coalesced table is another one; ours holds none of their rows.
            await theirApi.ApproveAsync(review, MirrorAll, mirrorLayout: "coalesced");
            var theirs2 = (await theirApi.WaitForBacklogDrainedAsync(theirGateway.LineageId)).GetProperty("mirror").GetProperty("name").GetString();
            Assert.NotEqual(name, theirs2);
            Assert.Equal(rowsBefore, await ScalarAsync<long>($"SELECT count(*) FROM edge_mirror.\"{name}\""));
            Assert.Equal(0L, await ScalarAsync<long>($"SELECT count(*) FROM edge_mirror.\"{name}\" WHERE _edge_device_id = @d", ("d", theirGateway.Device.DeviceId)));
            await AssertMirrorEqualsSqliteAsync(theirApi, theirGateway);
        }
        finally
        {
            await ourGateway.DisposeAsync();
            await theirGateway.DisposeAsync();
        }
    }
}
