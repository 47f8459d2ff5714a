using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Governance;

/// <summary>A telemetry lineage end to end: review, staging, approval, the time-series table and its partitions.</summary>
[Collection(NodeCollection.Name)]
public sealed class TelemetryLineageTests(NodeFixture node)
{
    private static readonly object[] Actions =
    [
        new { source_column_name = "power", action = "mirror" },
        new { source_column_name = "phase", action = "mirror", mirror_column_name = "line" },
        new { source_column_name = "voltage", action = "map", data_point = "meter.voltage" },
        new { source_column_name = "note", action = "ignore" },
    ];

    [Fact]
    public async Task A_telemetry_lineage_is_reviewed_then_its_rows_land_in_monthly_partitions_and_its_maps_in_telemetry_points()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        var payloads = new TelemetryPayloads();
        var now = DateTimeOffset.UtcNow;
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);

        // Rows across the boundary of last month and this one.
        var first = payloads.Batch(1, TelemetryPayloads.Rows(monthStart.AddMinutes(-2), 1, 4));
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", first.ToJsonString())).ReasonCode);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        var waiting = await api.LineageAsync(lineageId);
        Assert.Equal("paused", waiting.GetProperty("status").GetString());
        Assert.Equal(4, waiting.GetProperty("counters").GetProperty("staged_row_count").GetInt64());
        Assert.Equal("sqlite_telemetry_batch_v1", waiting.GetProperty("capture_strategy").GetString());

        // The timestamp column cannot be ignored.
        var review = (await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid();
        var refused = await api.TryApproveAsync(review, [.. Actions, new { source_column_name = "taken_at", action = "ignore" }]);
        Assert.Equal(400, (int)refused.StatusCode);
        Assert.Contains("invalid_column_actions", await refused.Content.ReadAsStringAsync());

        await api.ApproveAsync(review, Actions);
        await api.WaitForBacklogDrainedAsync(lineageId);

        // A later batch is written directly.
        var later = payloads.Batch(2, TelemetryPayloads.Rows(monthStart.AddMinutes(5), 5, 3), withColumns: false);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", later.ToJsonString())).ReasonCode);

        var lineage = await api.LineageAsync(lineageId);
        Assert.Equal("active", lineage.GetProperty("status").GetString());
        Assert.Equal(1, lineage.GetProperty("counters").GetProperty("batches_materialized").GetInt64());
        Assert.Equal(2, lineage.GetProperty("last_batch_seq").GetInt64());
        var table = lineage.GetProperty("mirror").GetProperty("name").GetString()!;
        Assert.StartsWith("edge_ts_", table);
        Assert.True(lineage.GetProperty("mirror").GetProperty("time_series").GetBoolean());

        var rows = await api.MirrorRowsAsync(lineageId);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), rows.Select(r => r.GetProperty("row_id").GetInt64()));
        Assert.Equal(monthStart.AddMinutes(-2), rows[0].GetProperty("ts").GetDateTimeOffset());
        Assert.Equal(100.5, rows[1].GetProperty("power").GetDouble());
        Assert.Equal("L1", rows[1].GetProperty("line").GetString());
        Assert.False(rows[0].TryGetProperty("note", out _));
        Assert.False(rows[0].TryGetProperty("voltage", out _));
        Assert.False(rows[0].TryGetProperty("taken_at", out _));

        await using var db = new NpgsqlConnection(node.ConnectionString);
        await db.OpenAsync();
        await using (var parts = new NpgsqlCommand(
            $"SELECT c.relname::text, count(*) FROM edge_mirror.{table} t JOIN pg_class c ON c.oid = t.tableoid GROUP BY 1 ORDER BY 1", db))
        await using (var reader = await parts.ExecuteReaderAsync())
        {
            var byPartition = new List<(string, long)>();
            while (await reader.ReadAsync())
                byPartition.Add((reader.GetString(0), reader.GetInt64(1)));
            Assert.Equal([($"{table}_p{monthStart.AddMonths(-1):yyyyMM}", 2L), ($"{table}_p{monthStart:yyyyMM}", 5L)], byPartition);
        }
        await using (var inherits = new NpgsqlCommand(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = @t::regclass", db))
        {
            inherits.Parameters.AddWithValue("t", $"edge_mirror.{table}");
            // last month (made for the data), this month and the next (made at provisioning), and the default.
            Assert.Equal(4L, (long)(await inherits.ExecuteScalarAsync())!);
        }
        await using var points = new NpgsqlCommand(
            "SELECT count(*), min(ts) FROM edgesync.edge_telemetry_points WHERE lineage_id = @l AND data_point = 'meter.voltage'", db);
        points.Parameters.AddWithValue("l", lineageId);
        await using (var reader = await points.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal(7L, reader.GetInt64(0));
            Assert.Equal(monthStart.AddMinutes(-2).UtcDateTime, reader.GetDateTime(1));
        }
    }

    [Fact]
    public async Task Rows_far_outside_the_partition_window_go_to_the_default_partition_and_create_no_table()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        var payloads = new TelemetryPayloads();
        await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(1, TelemetryPayloads.Rows(DateTimeOffset.UtcNow, 1, 1)).ToJsonString());
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), [new { source_column_name = "power", action = "mirror" }]);
        await api.WaitForBacklogDrainedAsync(lineageId);

        var hostile = new[] { new DateTimeOffset(1971, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2999, 6, 1, 0, 0, 0, TimeSpan.Zero) }
            .Select((ts, i) => TelemetryPayloads.Row(ts, 10 + i, 1));
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(2, hostile, withColumns: false).ToJsonString())).ReasonCode);

        var table = (await api.LineageAsync(lineageId)).GetProperty("mirror").GetProperty("name").GetString()!;
        await using var db = new NpgsqlConnection(node.ConnectionString);
        await db.OpenAsync();
        await using var inDefault = new NpgsqlCommand(
            $"SELECT count(*) FROM edge_mirror.{table} t JOIN pg_class c ON c.oid = t.tableoid WHERE c.relname = @d", db);
        inDefault.Parameters.AddWithValue("d", $"{table}_pdefault");
        Assert.Equal(2L, (long)(await inDefault.ExecuteScalarAsync())!);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_inherits WHERE inhparent = @t::regclass", db);
        count.Parameters.AddWithValue("t", $"edge_mirror.{table}");
        Assert.Equal(3L, (long)(await count.ExecuteScalarAsync())!);
        Assert.Equal(3, (await api.MirrorRowsAsync(lineageId)).Count);
    }

    [Fact]
    public async Task Rows_sent_again_in_a_new_batch_with_their_row_ids_are_not_doubled_and_the_new_ones_are_written()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        var payloads = new TelemetryPayloads();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(1, TelemetryPayloads.Rows(start, 1, 3)).ToJsonString());
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), [new { source_column_name = "power", action = "mirror" }]);
        await api.WaitForBacklogDrainedAsync(lineageId);

        // A device that lost its outbox state sends rows 2..5 again under a new batch id and seq.
        var overlap = payloads.Batch(2, TelemetryPayloads.Rows(start.AddMinutes(1), 2, 4), withColumns: false).ToJsonString();
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", overlap)).ReasonCode);

        var rows = await api.MirrorRowsAsync(lineageId);
        Assert.Equal([1L, 2, 3, 4, 5], rows.Select(r => r.GetProperty("row_id").GetInt64()));
        Assert.Equal("active", (await api.LineageAsync(lineageId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_fleet_approval_of_telemetry_lineages_needs_no_key_and_writes_every_device_into_one_coalesced_time_series()
    {
        var projectId = await Fleet.CreateProjectAsync(node);
        var devices = new List<RegisteredDevice>();
        var payloads = new TelemetryPayloads();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        for (var i = 0; i < 2; i++)
        {
            var device = await Fleet.RegisterDeviceAsync(node, projectId);
            devices.Add(device);
            await using var mqtt = await device.ConnectAsync(node);
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(1, TelemetryPayloads.Rows(start, 1, 3)).ToJsonString())).ReasonCode);
        }
        using var api = new EdgeApi(node.CreateClient($"{projectId}:PROJECT_CAN_MANAGE_DEVICES"), projectId);
        var first = (await api.LineageOfAsync(devices[0].DeviceId)).GetProperty("id").GetGuid();
        var review = (await api.OpenReviewAsync(first)).GetProperty("id").GetGuid();
        var claimed = await Fleet.ReadDataAsync(await api.PostAsync($"/schema-reviews/{review}/claim"));
        var approval = await api.PostAsync($"/schema-reviews/{review}/approve", new
        {
            action_version = claimed.GetProperty("action_version").GetInt32(),
            column_actions = new object[] { new { source_column_name = "power", action = "mirror" } },
            scope = "project",
            mirror_layout = "coalesced",
        });
        Assert.True(approval.IsSuccessStatusCode, await approval.Content.ReadAsStringAsync());

        var tables = new HashSet<string>();
        foreach (var device in devices)
        {
            var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
            var lineage = await api.WaitForBacklogDrainedAsync(lineageId);
            Assert.Equal("active", lineage.GetProperty("status").GetString());
            tables.Add(lineage.GetProperty("mirror").GetProperty("name").GetString()!);
            var rows = await api.MirrorRowsAsync(lineageId);
            Assert.Equal(3, rows.Count);
            Assert.All(rows, r => Assert.Equal(device.DeviceId, r.GetProperty("_edge_device_id").GetGuid()));
        }
        Assert.StartsWith("edge_fleet_ts_", Assert.Single(tables));
    }
}
