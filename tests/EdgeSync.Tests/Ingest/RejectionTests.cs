using System.Text;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeSync.Tests.Ingest;

/// <summary>Every bad batch is refused with its code, recorded, visible over the API — and the node keeps serving.</summary>
[Collection(NodeCollection.Name)]
public sealed class RejectionTests(NodeFixture node)
{
    private const string Api = "/core/api/v1/projects";

    public static TheoryData<string, string> BadBatches()
    {
        var data = new TheoryData<string, string>();
        void Add(string code, Action<JsonObject> mutate)
        {
            var batch = new BatchPayloads().Batch(BatchPayloads.Inserts(1, 2));
            mutate(batch);
            data.Add(code, batch.ToJsonString());
        }

        data.Add("malformed_json", "{\"format_version\": 1,");
        data.Add("malformed_json", "[1, 2, 3]");
        Add("envelope_unstripped_tenant_fields", b => b["project_id"] = Guid.NewGuid().ToString());
        Add("envelope_unstripped_tenant_fields", b => b["device_id"] = "x");
        Add("invalid_format_version", b => b.Remove("format_version"));
        Add("invalid_format_version", b => b["format_version"] = 0);
        Add("unsupported_format_version", b => b["format_version"] = 2);
        Add("invalid_capture_strategy", b => b["capture_strategy"] = "sqlite_telemetry_batch_v1");
        Add("invalid_batch_id", b => b["batch_id"] = Guid.NewGuid().ToString()); // a v4, not a v7
        Add("invalid_journal_epoch", b => b["journal_epoch"] = "not-a-uuid");
        Add("invalid_source_table", b => b["source_table"] = "sqlite_sequence");
        Add("invalid_source_table", b => b["source_table"] = "");
        Add("invalid_schema_hash", b => b["schema_hash"] = "ABC");
        Add("invalid_schema_columns", b => b["schema_columns"]!["columns"] = new JsonArray());
        Add("schema_hash_mismatch", b => b["schema_hash"] = new string('a', 64));
        Add("empty_batch", b => b["rows"] = new JsonArray());
        Add("batch_too_many_rows", b =>
        {
            b["rows"] = new JsonArray(BatchPayloads.Inserts(1, 4097).Select(r => (JsonNode)r).ToArray());
            b["first_commit_seq"] = 1;
            b["last_commit_seq"] = 4097;
        });
        Add("payload_too_large", b => b["rows"]![0]!["row"]!["mode"] = new string('x', 600 * 1024));
        Add("commit_seq_range_mismatch", b => b["last_commit_seq"] = 99);
        Add("invalid_op", b => b["rows"]![0]!["op"] = "upsert");
        Add("invalid_pk", b => b["rows"]![0]!["pk"] = 5);
        Add("invalid_row", b => b["rows"]![0]!["row"] = "text");
        Add("invalid_row", b => b["rows"]![0]!["row"]!["mode"] = "nul\0inside"); // PostgreSQL cannot store U+0000
        return data;
    }

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task A_bad_batch_is_refused_with_its_code_and_listed(string code, string payload)
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);

        var ack = await mqtt.PublishRawAsync($"{device.TopicRoot}/sync/rows/batch", Encoding.UTF8.GetBytes(payload));
        var expectedReason = code is "payload_too_large" or "batch_too_many_rows"
            ? MqttClientPublishReasonCode.QuotaExceeded
            : MqttClientPublishReasonCode.PayloadFormatInvalid;
        Assert.Equal(expectedReason, ack.ReasonCode);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var rejections = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}");
        var rejection = Assert.Single(rejections.GetProperty("data").EnumerateArray());
        Assert.Equal(code, rejection.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(rejection.GetProperty("detail").GetString()));
        Assert.Equal($"{device.TopicRoot}/sync/rows/batch", rejection.GetProperty("topic").GetString());

        // Nothing of it was staged, and the same connection still gets good batches through.
        var lineages = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}");
        Assert.Equal(0, lineages.GetProperty("meta").GetProperty("total_items").GetInt32());
        var good = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1));
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", good)).ReasonCode);
    }

    [Fact]
    public async Task Rows_that_do_not_fit_the_known_schema_are_refused_with_invalid_pk()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        var payloads = new BatchPayloads();
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1, 1)))).ReasonCode);

        // Later batches carry only the hash; the cloud checks them against the columns it knows.
        var wrongKey = payloads.Batch(BatchPayloads.Inserts(2, 1), withColumns: false);
        wrongKey["rows"]![0]!["pk"] = new JsonObject { ["mode"] = "cooling" };
        var ack = await mqtt.PublishAsync("sync/rows/batch", wrongKey.ToJsonString());
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var rejection = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/rejections?code=invalid_pk&device_id={device.DeviceId}")).GetProperty("data")[0];
        Assert.Equal("device_state", rejection.GetProperty("source_table").GetString());
    }

    [Fact]
    public async Task An_MQTT_3_1_1_device_gets_a_plain_acknowledgement_for_a_refused_batch_and_it_is_recorded()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node, MqttProtocolVersion.V311);
        var ack = await mqtt.PublishAsync("sync/rows/batch", "not json");
        Assert.True(ack.IsSuccess);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var rejection = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}")).GetProperty("data")[0];
        Assert.Equal("malformed_json", rejection.GetProperty("code").GetString());
    }
}
