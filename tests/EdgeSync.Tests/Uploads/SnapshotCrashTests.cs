using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using MQTTnet;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Uploads;

/// <summary>Real node processes killed (SIGKILL) around a bootstrap snapshot: every row is ingested exactly once.</summary>
public sealed class SnapshotCrashTests(ITestOutputHelper output)
{
    private const int Rows = 60_000;

    [Fact]
    public async Task A_node_killed_between_upload_and_finalize_and_another_killed_mid_apply_ingest_the_snapshot_exactly_once()
    {
        var database = await TestDatabase.CreateAsync();
        var ports = NodeProcess.Ports.Free();
        var settings = new Dictionary<string, string> { ["Uploads:SnapshotChunkRows"] = "1000" };
        var token = DevTokens.Mint(new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build(), ["PLATFORM_ADMIN"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var payloads = new BatchPayloads();
        RegisteredDevice device;
        Guid lineageId, uploadId;

        // Node 1: an approved lineage, a granted upload, the object stored — then killed before the finalize.
        await using (var first = await NodeProcess.StartAsync(database, ports, settings))
        {
            device = await Fleet.RegisterDeviceAsync(http);
            var api = new EdgeApi(http, device.ProjectId);
            await using var mqtt = await Connect(ports, device);
            await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1, 1)));
            lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
            await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(),
            [
                new { source_column_name = "id", action = "mirror" },
                new { source_column_name = "mode", action = "mirror" },
                new { source_column_name = "setpoint", action = "mirror" },
            ]);
            await api.WaitForBacklogDrainedAsync(lineageId);
            await mqtt.ListenForControlsAsync();
            await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest(payloads.Table, "bootstrap_snapshot"));
            var grant = await OrShowLogAsync(first, () => mqtt.WaitForControlAsync("url_grant"));
            await mqtt.AcknowledgeAsync(grant);
            uploadId = Guid.Parse(grant.GetProperty("upload_id").GetString()!);
            using var plain = new HttpClient();
            var put = await plain.PutAsync(grant.GetProperty("presigned_url").GetString(), new ByteArrayContent(Snapshot(payloads)));
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        // Node 2: the finalize, then killed while the snapshot is being applied.
        var finalize = UploadObjects.Finalize(payloads.Table, "bootstrap_snapshot", uploadId, Guid.CreateVersion7());
        await using (var second = await NodeProcess.StartAsync(database, ports, settings))
        {
            var api = new EdgeApi(http, device.ProjectId);
            await using var mqtt = await Connect(ports, device);
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/ingest/request", finalize)).ReasonCode);
            var midway = await OrShowLogAsync(second, () => Eventually.GetAsync(() => api.LineageAsync(lineageId),
                l => l.GetProperty("pending_snapshots") is { ValueKind: System.Text.Json.JsonValueKind.Array } p && p.GetArrayLength() == 1
                     && p[0].GetProperty("rows_applied").GetInt64() > 0, TimeSpan.FromSeconds(60), "the snapshot's apply to be under way"));
            output.WriteLine($"killed at {midway.GetProperty("pending_snapshots")[0].GetProperty("rows_applied")} rows applied");
        }

        // Node 3: goes on from the last recorded row; the finalize redelivered changes nothing.
        await using (var third = await NodeProcess.StartAsync(database, ports, settings))
        {
            var api = new EdgeApi(http, device.ProjectId);
            await using var mqtt = await Connect(ports, device);
            await mqtt.PublishAsync("sync/ingest/request", finalize);
            await OrShowLogAsync(third, () => Eventually.GetAsync(() => api.LineageAsync(lineageId),
                l => l.GetProperty("pending_snapshots").GetArrayLength() == 0, TimeSpan.FromSeconds(120), "the snapshot to be applied"));
            var mirror = await api.MirrorRowsAsync(lineageId);
            Assert.Equal(Enumerable.Range(1, Rows).Select(i => (long)i), mirror.Select(r => r.GetProperty("id").GetInt64()).Order());
            // Row 1 came in a batch at the snapshot's own position: the mirror already held that version, and keeps it.
            Assert.All(mirror, r => Assert.Equal(r.GetProperty("id").GetInt64() == 1 ? "cooling" : "snapshot", r.GetProperty("mode").GetString()));
            var events = (await http.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineageId}/events?limit=500")).GetProperty("data")
                .EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
            Assert.Equal(1, events.Count(t => t == "snapshot_received"));
            Assert.Equal(1, events.Count(t => t == "snapshot_applied"));
            var upload = (await http.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/uploads/{uploadId}")).GetProperty("data");
            Assert.Equal(Rows, upload.GetProperty("rows_ingested").GetInt64());
        }
    }

    private static Task<TestDevice> Connect(NodeProcess.Ports ports, RegisteredDevice device) =>
        TestDevice.ConnectAsync(ports.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);

    /// <summary>Rows 1..<see cref="Rows"/> as of commit_seq 1 (row 1 at that position is the one batch sent).</summary>
    private static byte[] Snapshot(BatchPayloads payloads)
    {
        var header = new JsonObject
        {
            ["snapshot_of"] = payloads.Table,
            ["journal_epoch"] = payloads.Epoch.ToString(),
            ["commit_seq"] = 1,
            ["schema_hash"] = payloads.Schema.ComputeHash(),
            ["row_count"] = Rows,
        }.ToJsonString();
        return UploadObjects.Compress([header, .. Enumerable.Range(1, Rows).Select(i =>
            $$$"""{"pk":{"id":{{{i}}}},"row":{"id":{{{i}}},"mode":"snapshot","setpoint":{{{i}}}.5}}""")]);
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
