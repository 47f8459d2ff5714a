using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Ingest;

/// <summary>
/// Every check of a telemetry batch, and its sequencing, over real MQTT: the code is recorded and
/// listed, the device gets the PUBACK that fits, and a batch delivered twice is written once.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class TelemetryRejectionTests(NodeFixture node)
{
    private const string Api = "/core/api/v1/projects";
    private static readonly DateTimeOffset Start = new(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string> BadBatches()
    {
        var data = new TheoryData<string, string>();
        void Add(string code, Action<JsonObject> mutate)
        {
            var batch = new TelemetryPayloads().Batch(1, TelemetryPayloads.Rows(Start, 1, 3));
            mutate(batch);
            data.Add(code, batch.ToJsonString());
        }

        data.Add("malformed_json", "{\"format_version\": 1,");
        Add("envelope_unstripped_tenant_fields", b => b["org_id"] = "x");
        Add("invalid_format_version", b => b["format_version"] = 0);
        Add("unsupported_format_version", b => b["format_version"] = 2);
        Add("invalid_capture_strategy", b => b["capture_strategy"] = "sqlite_row_batch_v1");
        Add("invalid_batch_id", b => b["batch_id"] = Guid.NewGuid().ToString());
        Add("invalid_batch_seq", b => b.Remove("batch_seq"));
        Add("invalid_batch_seq", b => b["batch_seq"] = -1);
        Add("invalid_batch_seq", b => b["batch_seq"] = 1.5);
        Add("invalid_source_table", b => b["source_table"] = "__edgesync_x");
        Add("invalid_schema_hash", b => b["schema_hash"] = "xyz");
        Add("invalid_schema_columns", b => b["schema_columns"]!["columns"] = new JsonArray());
        Add("schema_hash_mismatch", b => b["schema_hash"] = new string('b', 64));
        Add("invalid_timestamp_column", b => b.Remove("timestamp_column"));
        Add("invalid_timestamp_column", b => b["timestamp_column"] = "not_a_column");
        Add("empty_batch", b => { b["rows"] = new JsonArray(); b["row_count"] = 0; });
        Add("batch_too_many_rows", b =>
        {
            b["rows"] = new JsonArray(Enumerable.Range(0, 4097).Select(i => (JsonNode)new JsonObject { ["ts"] = "2026-03-10T08:00:00Z", ["fields"] = new JsonObject() }).ToArray());
            b["row_count"] = 4097;
        });
        Add("payload_too_large", b => b["rows"]![0]!["fields"]!["note"] = new string('x', 600 * 1024));
        Add("row_count_mismatch", b => b["row_count"] = 2);
        Add("row_count_mismatch", b => b.Remove("row_count"));
        Add("invalid_row_ts", b => b["rows"]![1]!["ts"] = "2026-03-10 08:01:00");
        Add("cursor_timestamp_mismatch", b => b["cursor_end_ts"] = "2026-03-10T09:00:00Z");
        Add("cursor_timestamp_mismatch", b => b["cursor_start_ts"] = "2026-03-10T07:59:59.999Z");
        Add("invalid_row_id", b => b["rows"]![0]!["row_id"] = "7");
        Add("invalid_row_id", b => b["rows"]![0]!["row_id"] = 7.5);
        Add("invalid_row", b => b["rows"]![0]!["fields"] = "text");
        Add("invalid_row", b => b["rows"]![0]!["fields"]!["unknown"] = 1);
        Add("invalid_row", b => b["rows"]![0]!["fields"]!["taken_at"] = "2026-03-10T08:00:00Z");
        data.Add("invalid_number_encoding", new TelemetryPayloads().Batch(1, TelemetryPayloads.Rows(Start, 1, 3)).ToJsonString()
            .Replace("\"power\":100,", "\"power\":1e400,", StringComparison.Ordinal));
        return data;
    }

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task A_bad_telemetry_batch_is_refused_with_its_code_and_listed(string code, string payload)
    {
        Assert.True(code != "invalid_number_encoding" || payload.Contains("1e400", StringComparison.Ordinal));
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);

        var ack = await mqtt.PublishRawAsync($"{device.TopicRoot}/sync/telemetry/batch", Encoding.UTF8.GetBytes(payload));
        Assert.Equal(code is "payload_too_large" or "batch_too_many_rows" ? MqttClientPublishReasonCode.QuotaExceeded : MqttClientPublishReasonCode.PayloadFormatInvalid,
            ack.ReasonCode);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var rejection = Assert.Single((await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}")).GetProperty("data").EnumerateArray());
        Assert.Equal(code, rejection.GetProperty("code").GetString());
        Assert.Equal($"{device.TopicRoot}/sync/telemetry/batch", rejection.GetProperty("topic").GetString());
        var lineages = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}");
        Assert.Equal(0, lineages.GetProperty("meta").GetProperty("total_items").GetInt32());

        // The connection still takes good batches.
        var good = new TelemetryPayloads().Batch(1, TelemetryPayloads.Rows(Start, 1, 2)).ToJsonString();
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", good)).ReasonCode);
    }

    [Fact]
    public async Task Sequencing_refuses_a_duplicate_and_a_stale_batch_seq_counts_gaps_and_takes_a_redelivery_as_a_no_op()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        var payloads = new TelemetryPayloads();

        var first = payloads.Batch(5, TelemetryPayloads.Rows(Start, 1, 3)).ToJsonString();
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", first)).ReasonCode);
        // The same batch again (same batch_id): accepted, nothing recorded.
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", first)).ReasonCode);
        // A gap: 6 and 7 never come.
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(8, TelemetryPayloads.Rows(Start.AddHours(1), 4, 2), withColumns: false).ToJsonString())).ReasonCode);
        // A new batch_id with an accepted seq, then one with a lower seq never accepted.
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid,
            (await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(5, TelemetryPayloads.Rows(Start.AddHours(2), 10, 1), withColumns: false).ToJsonString())).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid,
            (await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(6, TelemetryPayloads.Rows(Start.AddHours(3), 11, 1), withColumns: false).ToJsonString())).ReasonCode);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var codes = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}")).GetProperty("data")
            .EnumerateArray().Select(r => r.GetProperty("code").GetString()).Order().ToList();
        Assert.Equal(["duplicate_batch_seq", "stale_batch_seq"], codes);

        var lineage = await api.LineageAsync((await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid());
        Assert.Equal("sqlite_telemetry_batch_v1", lineage.GetProperty("capture_strategy").GetString());
        Assert.Equal("taken_at", lineage.GetProperty("timestamp_column").GetString());
        Assert.Equal(8, lineage.GetProperty("last_batch_seq").GetInt64());
        Assert.Equal(2, lineage.GetProperty("batch_seq_gaps").GetInt64());
        Assert.Equal(2, lineage.GetProperty("counters").GetProperty("batches_rejected").GetInt64());
        Assert.Equal(5, lineage.GetProperty("counters").GetProperty("rows_staged").GetInt64());
        Assert.Equal("stale_batch_seq", lineage.GetProperty("last_rejection_code").GetString());

        // Both refusals are events of the lineage too.
        var events = await api.Client.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineage.GetProperty("id").GetGuid()}/events?limit=100");
        Assert.Equal(2, events.GetProperty("data").EnumerateArray().Count(e => e.GetProperty("type").GetString() == "batch_rejected"));
    }

    [Fact]
    public async Task A_lineage_keeps_the_kind_of_its_first_message_and_refuses_the_other_kind_with_invalid_capture_strategy()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        var telemetry = new TelemetryPayloads("device_state");
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)))).ReasonCode);
        var ack = await mqtt.PublishAsync("sync/telemetry/batch", telemetry.Batch(1, TelemetryPayloads.Rows(Start, 1, 1)).ToJsonString());
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);

        var readings = new TelemetryPayloads();
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", readings.Batch(1, TelemetryPayloads.Rows(Start, 1, 1)).ToJsonString())).ReasonCode);
        var rows = new BatchPayloads("readings").BatchJson(BatchPayloads.Inserts(1, 1));
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, (await mqtt.PublishAsync("sync/rows/batch", rows)).ReasonCode);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var rejections = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}")).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, rejections.Count);
        Assert.All(rejections, r => Assert.Equal("invalid_capture_strategy", r.GetProperty("code").GetString()));
        Assert.Equal(["device_state", "readings"], rejections.Select(r => r.GetProperty("source_table").GetString()).Order().ToList());
    }

    [Fact]
    public async Task The_same_batch_id_twice_after_approval_writes_one_set_of_rows()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        var payloads = new TelemetryPayloads();
        await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(1, TelemetryPayloads.Rows(Start, 1, 2)).ToJsonString());
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), [new { source_column_name = "power", action = "mirror" }]);
        await api.WaitForBacklogDrainedAsync(lineageId);

        var again = payloads.Batch(2, TelemetryPayloads.Rows(Start.AddHours(1), 3, 4), withColumns: false).ToJsonString();
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", again)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", again)).ReasonCode);

        var rows = await api.MirrorRowsAsync(lineageId);
        Assert.Equal(6, rows.Count);
        Assert.Equal(6, rows.Select(r => r.GetProperty("row_id").GetInt64()).Distinct().Count());
        await using var db = new NpgsqlConnection(node.ConnectionString);
        await db.OpenAsync();
        await using var ledger = new NpgsqlCommand("SELECT kind FROM edgesync.edge_export_segments WHERE device_id = @d AND batch_id = @b", db);
        ledger.Parameters.AddWithValue("d", device.DeviceId);
        ledger.Parameters.AddWithValue("b", Guid.Parse(JsonDocument.Parse(again).RootElement.GetProperty("batch_id").GetString()!));
        Assert.Equal("telemetry", (string)(await ledger.ExecuteScalarAsync())!);
        // The redelivery is a success, not a duplicate_batch_seq.
        var rejections = await api.Client.GetJsonAsync($"{Api}/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}");
        Assert.Empty(rejections.GetProperty("data").EnumerateArray());
    }
}
