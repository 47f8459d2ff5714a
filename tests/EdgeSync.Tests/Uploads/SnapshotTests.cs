using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Uploads;

/// <summary>Bootstrap snapshots: the table's content at a journal position, applied through the mirror's ordering guard.</summary>
[Collection(UploadNodeCollection.Name)]
public sealed class SnapshotTests(UploadNodeFixture fixture)
{
    private const string Kind = "bootstrap_snapshot";

    private static readonly object[] MirrorAll =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "name", action = "mirror" },
        new { source_column_name = "n", action = "mirror" },
    ];

    private NodeFixture Node => fixture.Node;

    private static void Put(SqliteSource source, long id, string name) =>
        source.Upsert(new Dictionary<string, object?> { ["id"] = id, ["name"] = name, ["n"] = id * 7 });

    private async Task<Guid> UploadSnapshotAsync(TestDevice mqtt, SqliteSource source, Guid? batchId = null)
    {
        var snapshot = UploadObjects.Snapshot(source);
        await mqtt.PublishAsync("sync/schema/observe", UploadObjects.Observe(source));
        var before = mqtt.Controls().Select(c => c.GetProperty("control_id").GetString()).ToHashSet();
        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest(source.Table, Kind));
        var grant = await mqtt.WaitForControlAsync("url_grant", c => !before.Contains(c.GetProperty("control_id").GetString()));
        await mqtt.AcknowledgeAsync(grant);
        using var client = Node.CreateClient();
        var put = await client.PutAsync(new Uri(grant.GetProperty("presigned_url").GetString()!).PathAndQuery, new ByteArrayContent(snapshot));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var uploadId = Guid.Parse(grant.GetProperty("upload_id").GetString()!);
        var finalize = UploadObjects.Finalize(source.Table, Kind, uploadId, batchId ?? Guid.CreateVersion7());
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/ingest/request", finalize)).ReasonCode);
        return uploadId;
    }

    private static Task<JsonElement> WaitForSnapshotsAppliedAsync(EdgeApi api, Guid lineageId) =>
        Eventually.GetAsync(() => api.LineageAsync(lineageId),
            l => l.GetProperty("pending_snapshots").GetArrayLength() == 0
                 && l.GetProperty("counters").GetProperty("staged_row_count").GetInt64() == 0
                 && l.GetProperty("replay_intent") is var r && (r.ValueKind == JsonValueKind.Null || r.GetProperty("status").GetString() == "completed"),
            TimeSpan.FromSeconds(60), "the snapshot and the staged rows to be applied");

    private static async Task AssertMirrorEqualsAsync(EdgeApi api, Guid lineageId, SqliteSource source)
    {
        var mirror = (await api.MirrorRowsAsync(lineageId))
            .ToDictionary(r => new JsonObject { ["id"] = r.GetProperty("id").GetInt64() }.ToJsonString(),
                r => (r.GetProperty("name").GetString()!, r.GetProperty("n").GetInt64()));
        var expected = source.Rows().ToDictionary(r => r.Key, r => (r.Value["name"]!.GetValue<string>(), r.Value["n"]!.GetValue<long>()));
        Assert.Equal(expected.OrderBy(e => e.Key), mirror.OrderBy(m => m.Key));
    }

    private static async Task<int> EventsOfTypeAsync(EdgeApi api, RegisteredDevice device, Guid lineageId, string type) =>
        (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineageId}/events?limit=500"))
            .GetProperty("data").EnumerateArray().Count(e => e.GetProperty("type").GetString() == type);

    [Fact]
    public async Task A_snapshot_received_before_approval_waits_and_is_applied_once_approved()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        using var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(Node);
        await mqtt.ListenForControlsAsync();
        using var source = new SqliteSource("parts", "id INTEGER PRIMARY KEY, name TEXT, n INTEGER");
        for (var id = 1; id <= 120; id++)
            Put(source, id, $"part {id}");
        source.TakeBatch();

        var uploadId = await UploadSnapshotAsync(mqtt, source);
        var lineageId = (await api.LineageOfAsync(device.DeviceId, "parts")).GetProperty("id").GetGuid();
        var waiting = await api.LineageAsync(lineageId);
        Assert.Equal(120, Assert.Single(waiting.GetProperty("pending_snapshots").EnumerateArray()).GetProperty("row_count").GetInt64());
        Assert.Contains("schema_review", waiting.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));

        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), MirrorAll);
        await WaitForSnapshotsAppliedAsync(api, lineageId);
        await AssertMirrorEqualsAsync(api, lineageId, source);
        Assert.Equal(1, await EventsOfTypeAsync(api, device, lineageId, "snapshot_applied"));
        var upload = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/uploads/{uploadId}")).GetProperty("data");
        Assert.Equal("finalized", upload.GetProperty("state").GetString());
        Assert.Equal(120, upload.GetProperty("rows_ingested").GetInt64());
    }

    [Fact]
    public async Task A_snapshot_of_a_schema_the_project_decided_for_its_fleet_is_applied_without_a_review()
    {
        var first = await Fleet.RegisterDeviceAsync(Node);
        using var api = new EdgeApi(Node.CreateClient($"{first.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), first.ProjectId);
        using var firstSource = new SqliteSource("gauges", "id INTEGER PRIMARY KEY, name TEXT, n INTEGER");
        for (var id = 1; id <= 40; id++)
            Put(firstSource, id, $"gauge {id}");
        firstSource.TakeBatch();
        await using (var mqtt = await first.ConnectAsync(Node))
        {
            await mqtt.ListenForControlsAsync();
            await UploadSnapshotAsync(mqtt, firstSource);
        }
        var firstLineage = (await api.LineageOfAsync(first.DeviceId, "gauges")).GetProperty("id").GetGuid();
        var hash = (await api.OpenReviewAsync(firstLineage)).GetProperty("schema_hash").GetString()!;
        using (var decided = await api.PostAsync("/registry/decisions", new { source_table = "gauges", schema_hash = hash, column_actions = MirrorAll }))
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        await WaitForSnapshotsAppliedAsync(api, firstLineage);
        await AssertMirrorEqualsAsync(api, firstLineage, firstSource);

        // Another gateway of the fleet bootstraps the same table: no review, no pause, its rows land.
        var later = await Fleet.RegisterDeviceAsync(Node, first.ProjectId);
        using var laterSource = new SqliteSource("gauges", "id INTEGER PRIMARY KEY, name TEXT, n INTEGER");
        for (var id = 1; id <= 70; id++)
            Put(laterSource, id, $"other gauge {id}");
        laterSource.TakeBatch();
        await using (var mqtt = await later.ConnectAsync(Node))
        {
            await mqtt.ListenForControlsAsync();
            await UploadSnapshotAsync(mqtt, laterSource);
        }
        var laterLineage = (await api.LineageOfAsync(later.DeviceId, "gauges")).GetProperty("id").GetGuid();
        var applied = await WaitForSnapshotsAppliedAsync(api, laterLineage);
        await AssertMirrorEqualsAsync(api, laterLineage, laterSource);
        Assert.Equal("active", applied.GetProperty("status").GetString());
        Assert.Equal(0, await EventsOfTypeAsync(api, later, laterLineage, "review_queued"));
        Assert.Equal(0, await EventsOfTypeAsync(api, later, laterLineage, "lineage_paused"));
        Assert.Equal(1, await EventsOfTypeAsync(api, later, laterLineage, "snapshot_applied"));
        Assert.Equal(hash, applied.GetProperty("accepted_schema_hash").GetString());
        Assert.False(applied.GetProperty("registry_decision_id").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task A_snapshot_never_overwrites_changes_newer_than_its_position_sent_before_or_after_its_finalize()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        using var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(Node);
        await mqtt.ListenForControlsAsync();
        using var source = new SqliteSource("tools", "id INTEGER PRIMARY KEY, name TEXT, n INTEGER");
        for (var id = 1; id <= 5; id++)
            Put(source, id, $"tool {id}");
        await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!);
        var lineageId = (await api.LineageOfAsync(device.DeviceId, "tools")).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), MirrorAll);
        await api.WaitForBacklogDrainedAsync(lineageId);

        // The snapshot is of the table as it is now; the changes after it are sent as row batches.
        for (var id = 6; id <= 300; id++)
            Put(source, id, $"tool {id}");
        source.TakeBatch();
        var snapshot = UploadObjects.Snapshot(source);
        Put(source, 1, "renamed before the finalize");
        source.Delete(new Dictionary<string, object?> { ["id"] = 2L });
        source.Delete(new Dictionary<string, object?> { ["id"] = 250L });
        await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!);

        await mqtt.PublishAsync("sync/schema/observe", UploadObjects.Observe(source));
        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest("tools", Kind));
        var grant = await mqtt.WaitForControlAsync("url_grant");
        await mqtt.AcknowledgeAsync(grant);
        using (var client = Node.CreateClient())
            Assert.Equal(HttpStatusCode.OK,
                (await client.PutAsync(new Uri(grant.GetProperty("presigned_url").GetString()!).PathAndQuery, new ByteArrayContent(snapshot))).StatusCode);
        var finalize = UploadObjects.Finalize("tools", Kind, Guid.Parse(grant.GetProperty("upload_id").GetString()!), Guid.CreateVersion7());
        await mqtt.PublishAsync("sync/ingest/request", finalize);

        Put(source, 3, "renamed after the finalize");
        source.Delete(new Dictionary<string, object?> { ["id"] = 4L });
        Put(source, 301, "new after the finalize");
        await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!);
        // The finalize redelivered changes nothing.
        await mqtt.PublishAsync("sync/ingest/request", finalize);

        await WaitForSnapshotsAppliedAsync(api, lineageId);
        await AssertMirrorEqualsAsync(api, lineageId, source);
        Assert.Equal(1, await EventsOfTypeAsync(api, device, lineageId, "snapshot_received"));
        Assert.Equal(1, await EventsOfTypeAsync(api, device, lineageId, "snapshot_applied"));
    }

    [Fact]
    public async Task A_snapshot_whose_schema_the_lineage_does_not_know_with_its_columns_or_that_does_not_parse_is_refused()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        using var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(Node);
        await mqtt.ListenForControlsAsync();
        using var source = new SqliteSource("bolts", "id INTEGER PRIMARY KEY, name TEXT, n INTEGER");
        Put(source, 1, "bolt");

        // No sync/schema/observe first.
        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest("bolts", Kind));
        var grant = await mqtt.WaitForControlAsync("url_grant");
        using (var client = Node.CreateClient())
            await client.PutAsync(new Uri(grant.GetProperty("presigned_url").GetString()!).PathAndQuery, new ByteArrayContent(UploadObjects.Snapshot(source)));
        await mqtt.PublishAsync("sync/ingest/request",
            UploadObjects.Finalize("bolts", Kind, Guid.Parse(grant.GetProperty("upload_id").GetString()!), Guid.CreateVersion7()));

        // Row lines that are not { pk, row }.
        await mqtt.PublishAsync("sync/schema/observe", UploadObjects.Observe(source));
        var before = grant.GetProperty("control_id").GetString();
        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest("bolts", Kind));
        var second = await mqtt.WaitForControlAsync("url_grant", c => c.GetProperty("control_id").GetString() != before);
        var header = $$"""{"snapshot_of":"bolts","journal_epoch":"{{source.Epoch}}","commit_seq":1,"schema_hash":"{{source.Fingerprint().ComputeHash()}}","row_count":2}""";
        using (var client = Node.CreateClient())
            await client.PutAsync(new Uri(second.GetProperty("presigned_url").GetString()!).PathAndQuery,
                new ByteArrayContent(UploadObjects.Compress([header, """{"pk":{"id":1},"row":{"id":1}}""", "[1,2,3]"])));
        await mqtt.PublishAsync("sync/ingest/request",
            UploadObjects.Finalize("bolts", Kind, Guid.Parse(second.GetProperty("upload_id").GetString()!), Guid.CreateVersion7()));

        var rejections = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}&code=invalid_upload"))
            .GetProperty("data").EnumerateArray().Select(r => r.GetProperty("detail").GetString()!).ToList();
        Assert.Equal(2, rejections.Count);
        Assert.Contains(rejections, d => d.Contains("schema_columns", StringComparison.Ordinal));
        Assert.Contains(rejections, d => d.Contains("Row 2", StringComparison.Ordinal));
    }
}
