using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Governance;

public sealed class MaterializationFailureTests
{
    private static readonly object[] MirrorAll =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "rpm", action = "mirror" },
    ];

    private static async Task<(RegisteredDevice Device, EdgeApi Api, Guid LineageId)> ApprovedLineageAsync(NodeFixture node, TestDevice mqtt, RegisteredDevice device, SqliteSource source)
    {
        var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        source.Upsert(new Dictionary<string, object?> { ["id"] = 1L, ["rpm"] = 100L });
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), MirrorAll);
        await api.WaitForBacklogDrainedAsync(lineageId);
        return (device, api, lineageId);
    }

    [Fact]
    public async Task A_value_that_cannot_be_converted_stages_the_batch_counts_the_failure_and_keeps_later_rows_behind_it()
    {
        var node = new NodeFixture();
        await node.InitializeAsync();
        try
        {
            var device = await Fleet.RegisterDeviceAsync(node);
            await using var mqtt = await device.ConnectAsync(node);
            using var source = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
            var (_, approvedApi, lineageId) = await ApprovedLineageAsync(node, mqtt, device, source);
            using var api = approvedApi;

            // SQLite keeps text it cannot convert in an INTEGER column; the mirror's bigint cannot.
            source.Upsert(new Dictionary<string, object?> { ["id"] = 2L, ["rpm"] = "fast" });
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
            source.Upsert(new Dictionary<string, object?> { ["id"] = 3L, ["rpm"] = 300L });
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);

            var lineage = await api.LineageAsync(lineageId);
            Assert.True(lineage.GetProperty("materialization_failure_count").GetInt32() >= 1);
            Assert.Contains("rpm", lineage.GetProperty("materialization_last_error").GetString());
            var staged = await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows");
            var rows = staged.GetProperty("data").EnumerateArray().ToList();
            Assert.Equal([2L, 3L], rows.Select(r => r.GetProperty("source_commit_seq").GetInt64()));
            Assert.All(rows, r => Assert.Equal("materialization_failed", r.GetProperty("staging_reason").GetString()));
            Assert.Single(await api.MirrorRowsAsync(lineageId));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_transient_outage_is_never_counted_and_the_rows_arrive_once_PostgreSQL_is_back()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        var node = new NodeFixture { ConnectionString = postgres.ConnectionString };
        await node.InitializeAsync();
        try
        {
            var device = await Fleet.RegisterDeviceAsync(node);
            using var source = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
            EdgeApi approvedApi;
            Guid lineageId;
            await using (var mqtt = await device.ConnectAsync(node))
                (_, approvedApi, lineageId) = await ApprovedLineageAsync(node, mqtt, device, source);
            using var api = approvedApi;

            source.Upsert(new Dictionary<string, object?> { ["id"] = 2L, ["rpm"] = 200L });
            var batch = source.TakeBatch()!;
            await using (var mqtt = await device.ConnectAsync(node))
            {
                await postgres.StopServerAsync();
                var failure = await Record.ExceptionAsync(() => mqtt.PublishAsync("sync/rows/batch", batch).WaitAsync(TimeSpan.FromSeconds(60)));
                Assert.NotNull(failure);
            }
            await postgres.StartServerAsync();
            await using (var mqtt = await device.ConnectAsync(node))
                Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", batch)).ReasonCode);

            var lineage = await api.LineageAsync(lineageId);
            Assert.Equal(0, lineage.GetProperty("materialization_failure_count").GetInt32());
            Assert.Equal(2, (await api.MirrorRowsAsync(lineageId)).Count);
            Assert.Equal(0, lineage.GetProperty("counters").GetProperty("staged_row_count").GetInt64());
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
