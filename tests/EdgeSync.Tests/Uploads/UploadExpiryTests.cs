using System.Net;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using Npgsql;

namespace EdgeSync.Tests.Uploads;

/// <summary>A node whose upload URLs live two seconds, with two open uploads per device, finalized within three seconds.</summary>
public sealed class ShortLivedUrlsFixture : IAsyncLifetime
{
    public NodeFixture Node { get; } = new();

    public async Task InitializeAsync()
    {
        Node.Settings["Uploads:UrlLifetime"] = "00:00:02";
        Node.Settings["Uploads:MaxOpenPerDevice"] = "2";
        Node.Settings["Uploads:FinalizeWithin"] = "00:00:03";
        await Node.InitializeAsync();
    }

    public Task DisposeAsync() => Node.DisposeAsync();
}

public sealed class UploadExpiryTests(ShortLivedUrlsFixture fixture) : IClassFixture<ShortLivedUrlsFixture>
{
    private NodeFixture Node => fixture.Node;

    [Fact]
    public async Task An_expired_url_is_refused_gone_its_grant_is_no_longer_sent_and_its_finalize_is_invalid_upload()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        using var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(Node);
        await mqtt.ListenForControlsAsync();
        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest("pump", "payload_spill"));
        var grant = await mqtt.WaitForControlAsync("url_grant");
        var expiresAt = grant.GetProperty("presigned_url_expires_at").GetDateTimeOffset();
        var uploadId = Guid.Parse(grant.GetProperty("upload_id").GetString()!);

        // Never acknowledged: once expired it leaves the pending controls and is not sent again.
        var lineageId = (await api.LineageOfAsync(device.DeviceId, "pump")).GetProperty("id").GetGuid();
        await Eventually.GetAsync(() => api.LineageAsync(lineageId), l => DateTimeOffset.UtcNow > expiresAt && l.GetProperty("pending_controls").GetArrayLength() == 0,
            what: "the grant to expire");
        var grantId = grant.GetProperty("control_id").GetString();
        int GrantsSent() => mqtt.Controls().Count(c => c.GetProperty("control_id").GetString() == grantId);
        var sent = GrantsSent();

        using (var client = Node.CreateClient())
        {
            var put = await client.PutAsync(new Uri(grant.GetProperty("presigned_url").GetString()!).PathAndQuery, new ByteArrayContent(UploadObjects.Compress(["{}"])));
            Assert.Equal(HttpStatusCode.Gone, put.StatusCode);
            using var problem = JsonDocument.Parse(await put.Content.ReadAsStringAsync());
            Assert.Equal("upload_expired", problem.RootElement.GetProperty("code").GetString());
        }

        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.Finalize("pump", "payload_spill", uploadId, Guid.CreateVersion7()));
        var rejection = Assert.Single((await api.Client.GetJsonAsync(
            $"/core/api/v1/projects/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}&code=invalid_upload")).GetProperty("data").EnumerateArray());
        Assert.Contains("expired", rejection.GetProperty("detail").GetString());
        var upload = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/uploads?state=expired")).GetProperty("data");
        Assert.Equal(uploadId, Assert.Single(upload.EnumerateArray()).GetProperty("upload_id").GetGuid());
        // An unacknowledged pause is sent again by the same resend loop; the expired grant is not.
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/lineages/{lineageId}/pause", new { reason = "maintenance" })).StatusCode);
        await Eventually.GetAsync(() => Task.FromResult(mqtt.Controls().Count(c => c.GetProperty("control_kind").GetString() == "pause_lineage")), n => n >= 2,
            what: "the pause to be sent again");
        Assert.Equal(sent, GrantsSent());
    }

    [Fact]
    public async Task A_device_holds_at_most_the_allowed_open_uploads_and_an_object_never_finalized_is_given_up_and_removed()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        using var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(Node);
        await mqtt.ListenForControlsAsync();
        using var client = Node.CreateClient();
        var stored = new List<Guid>();
        foreach (var table in new[] { "pump", "valve" })
        {
            await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest(table, "payload_spill"));
            var grant = await mqtt.WaitForControlAsync("url_grant", c => c.GetProperty("source_table").GetString() == table);
            var put = await client.PutAsync(new Uri(grant.GetProperty("presigned_url").GetString()!).PathAndQuery, new ByteArrayContent(UploadObjects.Compress(["{}"])));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            stored.Add(Guid.Parse(grant.GetProperty("upload_id").GetString()!));
        }

        // Both objects are uploaded and not finalized: a third request is refused and recorded.
        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest("meter", "payload_spill"));
        var refused = await Eventually.GetAsync(() => api.Client.GetJsonAsync(
                $"/core/api/v1/projects/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}&code=too_many_open_uploads"),
            r => r.GetProperty("data").GetArrayLength() == 1, what: "the third url_request to be refused");
        Assert.Equal("meter", refused.GetProperty("data")[0].GetProperty("source_table").GetString());
        Assert.DoesNotContain(mqtt.Controls(), c => c.GetProperty("source_table").GetString() == "meter");

        // Past FinalizeWithin, the next request gives an unfinalized object up (bytes deleted) and is granted.
        bool MeterGranted() => mqtt.Controls().Any(c => c.GetProperty("control_kind").GetString() == "url_grant" && c.GetProperty("source_table").GetString() == "meter");
        await Eventually.GetAsync(async () =>
        {
            if (!MeterGranted())
                await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest("meter", "payload_spill"));
            return MeterGranted();
        }, granted => granted, what: "a url_request to be granted once the unfinalized objects are given up");
        // The older object was given up (and that was enough to make room); the younger one is still waiting for its finalize.
        async Task<string?> StateOf(Guid uploadId) =>
            (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/uploads/{uploadId}")).GetProperty("data").GetProperty("state").GetString();
        Assert.Equal("refused", await StateOf(stored[0]));
        await using var db = new NpgsqlConnection(Node.ConnectionString);
        await db.OpenAsync();
        await using var chunks = new NpgsqlCommand("SELECT upload_id FROM edgesync.edge_upload_chunks WHERE upload_id = ANY(@ids)", db);
        chunks.Parameters.AddWithValue("ids", stored.ToArray());
        var kept = new List<Guid>();
        await using (var reader = await chunks.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                kept.Add(reader.GetGuid(0));
        Assert.DoesNotContain(stored[0], kept);
        if (await StateOf(stored[1]) == "uploaded")
            Assert.Contains(stored[1], kept);
    }
}
