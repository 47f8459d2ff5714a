using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using MQTTnet;
using Npgsql;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Governance;

/// <summary>A node killed in the middle of a replay loses and doubles nothing once it is back.</summary>
public sealed class ReplayCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_node_during_a_replay_and_restarting_it_drains_the_backlog_exactly_once()
    {
        var database = await TestDatabase.CreateAsync();
        var ports = NodeProcess.Ports.Free();
        var token = DevTokens.Mint(new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build(), ["PLATFORM_ADMIN"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var payloads = new BatchPayloads();
        const int batches = 40, rowsPerBatch = 1000;

        RegisteredDevice device;
        Guid lineageId;
        await using (var first = await NodeProcess.StartAsync(database, ports))
        {
            device = await Fleet.RegisterDeviceAsync(http);
            var api = new EdgeApi(http, device.ProjectId);
            await using (var mqtt = await TestDevice.ConnectAsync(ports.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot))
                for (var b = 0; b < batches; b++)
                    Assert.Equal(MqttClientPublishReasonCode.Success,
                        (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1 + b * rowsPerBatch, rowsPerBatch), withColumns: b == 0))).ReasonCode);
            lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
            await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(),
            [
                new { source_column_name = "id", action = "mirror" },
                new { source_column_name = "mode", action = "mirror" },
                new { source_column_name = "setpoint", action = "mirror" },
            ]);
            await OrShowLogAsync(first, () => Eventually.GetAsync(() => api.LineageAsync(lineageId),
                l => l.GetProperty("replay_intent").GetProperty("rows_replayed").GetInt64() > 0, TimeSpan.FromSeconds(60), "the replay to start"));
        }

        // The kill came mid-replay: part of the backlog is still staged.
        await using (var db = new NpgsqlConnection(database))
        {
            await db.OpenAsync();
            await using var staged = new NpgsqlCommand("SELECT count(*) FROM edgesync.edge_staged_rows WHERE lineage_id = @l", db);
            staged.Parameters.AddWithValue("l", lineageId);
            var left = (long)(await staged.ExecuteScalarAsync())!;
            Assert.InRange(left, 1, batches * rowsPerBatch - 1);
        }

        await using (var restarted = await NodeProcess.StartAsync(database, ports))
        {
            var api = new EdgeApi(http, device.ProjectId);
            var lineage = await OrShowLogAsync(restarted, () => api.WaitForBacklogDrainedAsync(lineageId, TimeSpan.FromSeconds(60)));
            Assert.Equal(batches * rowsPerBatch, lineage.GetProperty("counters").GetProperty("rows_materialized").GetInt64());
            var mirror = await api.MirrorRowsAsync(lineageId);
            Assert.Equal(batches * rowsPerBatch, mirror.Count);
            Assert.Equal(Enumerable.Range(1, batches * rowsPerBatch).Select(i => (long)i), mirror.Select(r => r.GetProperty("id").GetInt64()).Order());
        }
    }

    private async Task<T> OrShowLogAsync<T>(NodeProcess node, Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch
        {
            output.WriteLine(node.Log);
            throw;
        }
    }
}
