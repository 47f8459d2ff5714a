using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Ingest;

/// <summary>A node killed while a device streams telemetry loses nothing and doubles nothing.</summary>
public sealed class TelemetryCrashTests
{
    [Fact]
    public async Task A_node_killed_while_a_device_publishes_telemetry_keeps_each_row_exactly_once_after_redelivery()
    {
        var database = await TestDatabase.CreateAsync();
        var ports = NodeProcess.Ports.Free();
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Mint(configuration, ["PLATFORM_ADMIN"]));
        var payloads = new TelemetryPayloads();
        var start = DateTimeOffset.UtcNow.AddHours(-6);
        const int Batches = 60, RowsPerBatch = 50;
        // Every batch keeps its bytes (and batch_id) for its redelivery, as a device's outbox does.
        var batches = Enumerable.Range(1, Batches)
            .Select(seq => payloads.Batch(seq, TelemetryPayloads.Rows(start.AddMinutes(seq * RowsPerBatch), seq * RowsPerBatch, RowsPerBatch), withColumns: seq == 1).ToJsonString())
            .ToList();

        RegisteredDevice device;
        Guid lineageId;
        var acknowledged = 0;
        await using (var node = await NodeProcess.StartAsync(database, ports))
        {
            device = await Fleet.RegisterDeviceAsync(http);
            var api = new EdgeApi(http, device.ProjectId); // not disposed: it would dispose the shared client
            await using var mqtt = await TestDevice.ConnectAsync(ports.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", batches[0])).ReasonCode);
            lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
            await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(),
                [new { source_column_name = "power", action = "mirror" }, new { source_column_name = "phase", action = "mirror" }]);
            await api.WaitForBacklogDrainedAsync(lineageId);
            acknowledged = 1;

            var publishing = Task.Run(async () =>
            {
                for (var i = 1; i < batches.Count; i++)
                {
                    await mqtt.PublishAsync("sync/telemetry/batch", batches[i]);
                    Interlocked.Increment(ref acknowledged);
                }
            });
            await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref acknowledged)), n => n >= 15, TimeSpan.FromSeconds(60), "some batches to be acknowledged");
            await node.DisposeAsync(); // SIGKILL, mid-stream
            await Record.ExceptionAsync(() => publishing.WaitAsync(TimeSpan.FromSeconds(60)));
        }
        Assert.InRange(acknowledged, 15, Batches - 1);

        await using (var restarted = await NodeProcess.StartAsync(database, ports))
        {
            await using var mqtt = await TestDevice.ConnectAsync(ports.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
            // The device sends again everything it is not sure of; here even what was acknowledged.
            foreach (var batch in batches)
                Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/telemetry/batch", batch)).ReasonCode);

            var api = new EdgeApi(http, device.ProjectId); // not disposed: it would dispose the shared client
            var lineage = await api.WaitForBacklogDrainedAsync(lineageId);
            Assert.Equal(Batches, lineage.GetProperty("last_batch_seq").GetInt64());
            Assert.Equal(0, lineage.GetProperty("counters").GetProperty("batches_rejected").GetInt64());
            var table = lineage.GetProperty("mirror").GetProperty("name").GetString()!;

            await using var db = new NpgsqlConnection(database);
            await db.OpenAsync();
            await using var count = new NpgsqlCommand($"SELECT count(*), count(DISTINCT row_id), min(row_id), max(row_id) FROM edge_mirror.{table}", db);
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal((Batches * RowsPerBatch, Batches * RowsPerBatch, RowsPerBatch, Batches * RowsPerBatch + RowsPerBatch - 1),
                ((int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3)));
        }
    }
}
