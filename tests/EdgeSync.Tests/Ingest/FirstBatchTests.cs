using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace EdgeSync.Tests.Ingest;

[Collection(NodeCollection.Name)]
public sealed class FirstBatchTests(NodeFixture node)
{
    private const string Api = "/core/api/v1/projects";

    [Fact]
    public async Task First_batch_pauses_the_lineage_queues_a_review_and_stages_every_row_identically()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        var payloads = new BatchPayloads();
        var rows = new[]
        {
            BatchPayloads.Upsert(101, 1, "cooling", 21),
            BatchPayloads.Upsert(102, 2, "heating", 19.5, op: "update"),
            BatchPayloads.Delete(103, 7),
        };

        var ack = await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(rows));
        Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var lineages = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}");
        var lineage = Assert.Single(lineages.GetProperty("data").EnumerateArray());
        Assert.Equal("paused", lineage.GetProperty("status").GetString());
        Assert.Equal(["schema_review"], lineage.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));
        var lineageId = lineage.GetProperty("id").GetGuid();

        var detail = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}")).GetProperty("data");
        Assert.Equal(103, detail.GetProperty("watermark").GetProperty("server_watermark").GetInt64());
        Assert.Equal(3, detail.GetProperty("counters").GetProperty("staged_row_count").GetInt64());
        var version = Assert.Single(detail.GetProperty("schema_versions").EnumerateArray());
        Assert.Equal(payloads.Schema.ComputeHash(), version.GetProperty("schema_hash").GetString());
        Assert.Equal("ambiguous", version.GetProperty("classification").GetString());

        var reviews = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/schema-reviews?lineage_id={lineageId}");
        var review = Assert.Single(reviews.GetProperty("data").EnumerateArray());
        Assert.Equal("queued", review.GetProperty("state").GetString());
        var reviewDetail = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/schema-reviews/{review.GetProperty("id").GetGuid()}")).GetProperty("data");
        Assert.Equal(["id", "mode", "setpoint"], reviewDetail.GetProperty("proposed_columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        var staged = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows");
        Assert.Equal(3, staged.GetProperty("meta").GetProperty("total_items").GetInt32());
        var stagedRows = staged.GetProperty("data").EnumerateArray().ToList();
        for (var i = 0; i < rows.Length; i++)
        {
            var expected = rows[i];
            var actual = stagedRows[i];
            Assert.Equal(expected["commit_seq"]!.GetValue<long>(), actual.GetProperty("source_commit_seq").GetInt64());
            Assert.Equal(expected["op"]!.GetValue<string>(), actual.GetProperty("op").GetString());
            Assert.True(JsonNode.DeepEquals(expected["pk"], JsonNode.Parse(actual.GetProperty("pk").GetRawText())));
            Assert.True(JsonNode.DeepEquals(expected["row"], JsonNode.Parse(actual.GetProperty("row").GetRawText())));
            Assert.Equal("schema_review", actual.GetProperty("staging_reason").GetString());
            Assert.Equal(payloads.Epoch, actual.GetProperty("journal_epoch").GetGuid());
        }

        var events = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/events");
        Assert.Equal(
            ["lineage_created", "schema_observed", "review_queued", "lineage_paused", "batch_staged"],
            events.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Redelivered_and_overlapping_batches_stage_nothing_twice()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        var payloads = new BatchPayloads();
        var first = payloads.BatchJson(BatchPayloads.Inserts(1, 3));

        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", first)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", first)).ReasonCode);
        // A new batch id whose range overlaps what was accepted: only 4 and 5 are new.
        var overlapping = payloads.BatchJson(BatchPayloads.Inserts(2, 4), withColumns: false);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", overlapping)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", overlapping)).ReasonCode);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var lineage = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}")).GetProperty("data")[0];
        var lineageId = lineage.GetProperty("id").GetGuid();
        var staged = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows");
        Assert.Equal([1L, 2, 3, 4, 5], staged.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));

        var detail = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}")).GetProperty("data");
        var counters = detail.GetProperty("counters");
        Assert.Equal(5, counters.GetProperty("staged_row_count").GetInt64());
        Assert.Equal(2, counters.GetProperty("rows_duplicate").GetInt64());
        Assert.Equal(2, counters.GetProperty("batches_accepted").GetInt64());
    }

    [Fact]
    public async Task A_row_larger_than_8_KiB_is_stored_compressed_and_reads_back_identical()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        var payloads = new BatchPayloads();
        var bigMode = string.Concat(Enumerable.Range(0, 1200).Select(i => $"m{i:x4}ü"));
        var row = BatchPayloads.Upsert(1, 1, bigMode, 22.25);

        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson([row]))).ReasonCode);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var lineageId = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}")).GetProperty("data")[0].GetProperty("id").GetGuid();
        var staged = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows")).GetProperty("data")[0];
        Assert.True(staged.GetProperty("compressed").GetBoolean());
        Assert.True(staged.GetProperty("bytes").GetInt32() > 8 * 1024);
        Assert.Equal(bigMode, staged.GetProperty("row").GetProperty("mode").GetString());
        Assert.True(JsonNode.DeepEquals(row["row"], JsonNode.Parse(staged.GetProperty("row").GetRawText())));
    }

    [Fact]
    public async Task A_lineage_grain_reactivated_from_storage_goes_on_appending_where_it_stopped()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        var payloads = new BatchPayloads();
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1, 2)))).ReasonCode);

        var grains = node.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(3, 2), withColumns: false))).ReasonCode);
        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var lineage = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}")).GetProperty("data")[0];
        Assert.Equal(4, lineage.GetProperty("staged_row_count").GetInt64());
        var detail = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineage.GetProperty("id").GetGuid()}")).GetProperty("data");
        Assert.Equal(6, detail.GetProperty("version").GetInt64());
    }
}
