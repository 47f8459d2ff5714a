using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using MQTTnet;

namespace EdgeSync.Tests.Ingest;

/// <summary>A batch is acknowledged only once durable, and a redelivery after any failure is staged exactly once.</summary>
public sealed class DurabilityTests
{
    private const string Api = "/core/api/v1/projects";

    [Fact]
    public async Task With_PostgreSQL_down_no_PUBACK_is_sent_and_the_redelivered_batch_is_staged_once()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        var node = new NodeFixture { ConnectionString = postgres.ConnectionString };
        await node.InitializeAsync();
        try
        {
            var device = await Fleet.RegisterDeviceAsync(node);
            var payloads = new BatchPayloads();
            await using (var mqtt = await device.ConnectAsync(node))
                Assert.Equal(MqttClientPublishReasonCode.Success,
                    (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1, 2)))).ReasonCode);

            var second = payloads.BatchJson(BatchPayloads.Inserts(3, 3), withColumns: false);
            await using (var mqtt = await device.ConnectAsync(node))
            {
                await postgres.StopServerAsync();
                var publish = mqtt.PublishAsync("sync/rows/batch", second);
                var failure = await Record.ExceptionAsync(() => publish.WaitAsync(TimeSpan.FromSeconds(60)));
                Assert.NotNull(failure);
                Assert.IsNotType<TimeoutException>(failure);
                Assert.False(mqtt.IsConnected);
            }

            await postgres.StartServerAsync();
            await using (var mqtt = await device.ConnectAsync(node))
                Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", second)).ReasonCode);

            using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
            var lineageId = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}"))
                .GetProperty("data")[0].GetProperty("id").GetGuid();
            var staged = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows");
            Assert.Equal([1L, 2, 3, 4, 5], staged.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_node_killed_between_commit_and_acknowledgement_stages_the_redelivered_batch_once()
    {
        var database = await TestDatabase.CreateAsync();
        var ports = NodeProcess.Ports.Free();
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Mint(configuration, ["PLATFORM_ADMIN"]));
        var payloads = new BatchPayloads();
        var batch = payloads.BatchJson(BatchPayloads.Inserts(1, 4));

        RegisteredDevice device;
        await using (var crashing = await NodeProcess.StartAsync(database, ports, new Dictionary<string, string> { ["Mqtt:CrashBeforeAcknowledging"] = "true" }))
        {
            device = await Fleet.RegisterDeviceAsync(http);
            await using var mqtt = await TestDevice.ConnectAsync(ports.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
            var failure = await Record.ExceptionAsync(() => mqtt.PublishAsync("sync/rows/batch", batch).WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.NotNull(failure);
            await crashing.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await using (var restarted = await NodeProcess.StartAsync(database, ports))
        {
            await using var mqtt = await TestDevice.ConnectAsync(ports.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", batch)).ReasonCode);

            var lineage = (await http.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}")).GetProperty("data")[0];
            var staged = await http.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineage.GetProperty("id").GetGuid()}/staged-rows");
            Assert.Equal([1L, 2, 3, 4], staged.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));
            Assert.Equal(4, lineage.GetProperty("staged_row_count").GetInt64());
        }
    }
}
