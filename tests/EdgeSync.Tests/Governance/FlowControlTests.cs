using System.Net;
using System.Net.Http.Json;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Governance;

/// <summary>Backpressure, circuit breaker, operator pause/resume and deletion, as a device connected over MQTT lives them.</summary>
[Collection(NodeCollection.Name)]
public sealed class FlowControlTests(NodeFixture node)
{
    private static readonly object[] MirrorAll =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "rpm", action = "mirror" },
    ];

    private static async Task PatchPolicyAsync(EdgeApi api, Guid projectId, object patch)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/core/api/v1/projects/{projectId}/edge/policy") { Content = JsonContent.Create(patch) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.OK, (await api.Client.SendAsync(request)).StatusCode);
    }

    private static void Rows(SqliteSource source, long from, int count)
    {
        for (var id = from; id < from + count; id++)
            source.Upsert(new Dictionary<string, object?> { ["id"] = id, ["rpm"] = id * 10 });
    }

    [Fact]
    public async Task Backpressure_pauses_only_that_table_stages_rows_in_flight_and_resumes_below_the_threshold()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await PatchPolicyAsync(api, device.ProjectId, new { max_pending_rows_per_lineage = 5, resume_threshold_percent = 80 });
        await using var mqtt = await device.ConnectAsync(node);
        await mqtt.ListenForControlsAsync();
        using var pumps = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
        using var fans = new SqliteSource("fan", "id INTEGER PRIMARY KEY, rpm INTEGER");

        Rows(pumps, 1, 3);
        await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!);
        Rows(pumps, 4, 3);
        await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!);
        var pause = await mqtt.WaitForControlAsync("pause_lineage");
        Assert.Equal("pump", pause.GetProperty("source_table").GetString());
        Assert.Equal(6, pause.GetProperty("server_watermark").GetInt64());
        Assert.Contains("exceeds", pause.GetProperty("reason").GetString());

        var lineageId = (await api.LineageOfAsync(device.DeviceId, "pump")).GetProperty("id").GetGuid();
        Assert.Single((await api.LineageAsync(lineageId)).GetProperty("pending_controls").EnumerateArray());
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.AcknowledgeAsync(pause)).ReasonCode);
        await Eventually.GetAsync(() => api.LineageAsync(lineageId), l => l.GetProperty("pending_controls").GetArrayLength() == 0, what: "the control to leave the pending list");

        // A batch already in flight when the pause was sent is staged, not dropped.
        Rows(pumps, 7, 2);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!)).ReasonCode);
        var paused = await api.LineageAsync(lineageId);
        Assert.Equal(8, paused.GetProperty("counters").GetProperty("staged_row_count").GetInt64());
        Assert.Contains("backpressure", paused.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));

        // Another table of the same device keeps flowing.
        Rows(fans, 1, 2);
        await mqtt.PublishAsync("sync/rows/batch", fans.TakeBatch()!);
        var fanLineage = await api.LineageOfAsync(device.DeviceId, "fan");
        Assert.DoesNotContain("backpressure", fanLineage.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));

        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), MirrorAll);
        var resume = await mqtt.WaitForControlAsync("resume_lineage");
        Assert.Equal(8, resume.GetProperty("server_watermark").GetInt64());
        var drained = await api.WaitForBacklogDrainedAsync(lineageId);
        Assert.Equal("active", drained.GetProperty("status").GetString());
        Assert.Equal(8, (await api.MirrorRowsAsync(lineageId)).Count);
    }

    [Fact]
    public async Task A_control_issued_while_offline_arrives_on_reconnect_is_resent_until_acknowledged_and_unknown_acks_are_harmless()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        using var pumps = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
        Guid lineageId;
        await using (var mqtt = await device.ConnectAsync(node))
        {
            await mqtt.ListenForControlsAsync();
            Rows(pumps, 1, 1);
            await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!);
            lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        }

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/lineages/{lineageId}/pause", new { reason = "maintenance window" })).StatusCode);

        await using var again = await device.ConnectAsync(node);
        await again.ListenForControlsAsync();
        var pause = await again.WaitForControlAsync("pause_lineage");
        Assert.Equal("maintenance window", pause.GetProperty("reason").GetString());
        // Not acknowledged: sent again (the tests' resend interval is 2 s).
        await Eventually.GetAsync(() => Task.FromResult(again.Controls().Count(c => c.GetProperty("control_id").GetString() == pause.GetProperty("control_id").GetString())),
            n => n >= 2, TimeSpan.FromSeconds(15), "the unacknowledged control to be re-sent");

        var unknown = await again.PublishAsync("sync/ingest/ack", $$"""{"format_version":1,"control_id":"{{Guid.NewGuid()}}"}""");
        Assert.Equal(MqttClientPublishReasonCode.Success, unknown.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await again.AcknowledgeAsync(pause)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await again.AcknowledgeAsync(pause)).ReasonCode);
        await Eventually.GetAsync(() => api.LineageAsync(lineageId), l => l.GetProperty("pending_controls").GetArrayLength() == 0, what: "the acknowledged control to clear");

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/lineages/{lineageId}/resume")).StatusCode);
        var resume = await again.WaitForControlAsync("resume_lineage");
        Assert.Equal(1, resume.GetProperty("server_watermark").GetInt64());
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"/lineages/{lineageId}/resume")).StatusCode);

        var events = await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineageId}/events?limit=100");
        var types = events.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Contains("control_acknowledged", types);
        Assert.True(types.IndexOf("lineage_paused") < types.LastIndexOf("lineage_resumed"));
    }

    [Fact]
    public async Task Five_permanent_errors_trip_the_breaker_and_a_reset_after_the_fix_replays_the_backlog_and_resumes()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        await mqtt.ListenForControlsAsync();
        using var pumps = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
        Rows(pumps, 1, 1);
        await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), MirrorAll);
        var mirror = (await api.WaitForBacklogDrainedAsync(lineageId)).GetProperty("mirror").GetProperty("name").GetString()!;
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"/lineages/{lineageId}/reset-materialization")).StatusCode);

        // The root cause: a constraint on the mirror that the device's rows violate.
        await using var db = new NpgsqlConnection(node.ConnectionString);
        await db.OpenAsync();
        await using (var constrain = new NpgsqlCommand($"ALTER TABLE edge_mirror.\"{mirror}\" ADD CONSTRAINT rpm_cap CHECK (rpm < 100)", db))
            await constrain.ExecuteNonQueryAsync();
        Rows(pumps, 20, 2);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!)).ReasonCode);

        var pause = await mqtt.WaitForControlAsync("pause_lineage", timeout: TimeSpan.FromSeconds(30));
        Assert.Contains("5 consecutive permanent write errors", pause.GetProperty("reason").GetString());
        var tripped = await api.LineageAsync(lineageId);
        Assert.Equal(5, tripped.GetProperty("materialization_failure_count").GetInt32());
        Assert.Contains("circuit_breaker", tripped.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains("rpm_cap", tripped.GetProperty("materialization_last_error").GetString());
        await mqtt.AcknowledgeAsync(pause);

        await using (var fix = new NpgsqlCommand($"ALTER TABLE edge_mirror.\"{mirror}\" DROP CONSTRAINT rpm_cap", db))
            await fix.ExecuteNonQueryAsync();
        var reset = await Fleet.ReadDataAsync(await api.PostAsync($"/lineages/{lineageId}/reset-materialization"));
        Assert.True(reset.GetProperty("resumed").GetBoolean());
        Assert.Equal("active", reset.GetProperty("status").GetString());
        var resume = await mqtt.WaitForControlAsync("resume_lineage");
        Assert.Equal(3, resume.GetProperty("server_watermark").GetInt64()); // the last commit_seq accepted
        var drained = await api.WaitForBacklogDrainedAsync(lineageId);
        Assert.Equal(0, drained.GetProperty("materialization_failure_count").GetInt32());
        Assert.Equal(3, (await api.MirrorRowsAsync(lineageId)).Count);
    }

    [Fact]
    public async Task Reset_is_refused_while_a_review_is_open()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await PatchPolicyAsync(api, device.ProjectId, new { circuit_breaker_threshold = 1 });
        await using var mqtt = await device.ConnectAsync(node);
        using var pumps = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
        Rows(pumps, 1, 1);
        await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), MirrorAll);
        await api.WaitForBacklogDrainedAsync(lineageId);

        pumps.Upsert(new Dictionary<string, object?> { ["id"] = 2L, ["rpm"] = "fast" });
        await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!);
        await Eventually.GetAsync(() => api.LineageAsync(lineageId),
            l => l.GetProperty("pause_reasons").EnumerateArray().Any(r => r.GetString() == "circuit_breaker"), what: "the breaker to trip");
        pumps.Execute("ALTER TABLE pump ADD COLUMN site TEXT NOT NULL DEFAULT 'x'");
        pumps.Upsert(new Dictionary<string, object?> { ["id"] = 3L, ["rpm"] = 3L, ["site"] = "y" });
        await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch(withColumns: true)!);

        var refused = await api.PostAsync($"/lineages/{lineageId}/reset-materialization");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("review_open", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Deleting_a_lineage_removes_its_state_keeps_or_drops_the_mirror_and_the_next_batch_starts_a_new_one()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        using var pumps = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
        Rows(pumps, 1, 2);
        await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), MirrorAll);
        var mirror = (await api.WaitForBacklogDrainedAsync(lineageId)).GetProperty("mirror").GetProperty("name").GetString()!;
        Rows(pumps, 3, 2);
        await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch()!);

        var delete = new HttpRequestMessage(HttpMethod.Delete, $"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineageId}");
        delete.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var deleted = await Fleet.ReadDataAsync(await api.Client.SendAsync(delete));
        Assert.Equal(lineageId, deleted.GetProperty("lineage_id").GetGuid());

        var basePath = $"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineageId}";
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync(basePath)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.Client.GetAsync($"{basePath}/staged-rows")).StatusCode);
        Assert.True(await MirrorExistsAsync(mirror), "the mirror is kept by default");

        Rows(pumps, 5, 1);
        await mqtt.PublishAsync("sync/rows/batch", pumps.TakeBatch(withColumns: true)!);
        var fresh = await api.LineageOfAsync(device.DeviceId);
        var freshId = fresh.GetProperty("id").GetGuid();
        Assert.NotEqual(lineageId, freshId);
        Assert.Equal("paused", fresh.GetProperty("status").GetString());
        Assert.Equal("queued", (await api.OpenReviewAsync(freshId)).GetProperty("state").GetString());

        // The new lineage takes the kept mirror over on approval; deleting it with the flag drops it.
        await api.ApproveAsync((await api.OpenReviewAsync(freshId)).GetProperty("id").GetGuid(), MirrorAll);
        Assert.Equal(mirror, (await api.WaitForBacklogDrainedAsync(freshId)).GetProperty("mirror").GetProperty("name").GetString());
        Assert.Equal(5, (await api.MirrorRowsAsync(freshId)).Count);
        var dropping = new HttpRequestMessage(HttpMethod.Delete, $"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{freshId}?drop_mirror=true");
        dropping.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.OK, (await api.Client.SendAsync(dropping)).StatusCode);
        Assert.False(await MirrorExistsAsync(mirror), "drop_mirror=true drops the mirror table");
    }

    private async Task<bool> MirrorExistsAsync(string name)
    {
        await using var db = new NpgsqlConnection(node.ConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT to_regclass(@n) IS NOT NULL", db);
        command.Parameters.AddWithValue("n", $"edge_mirror.\"{name}\"");
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
