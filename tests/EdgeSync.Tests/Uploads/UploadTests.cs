using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using EdgeSync.Uploads;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace EdgeSync.Tests.Uploads;

/// <summary>Bulk uploads over real MQTT and HTTP: url_request → url_grant → PUT → finalize.</summary>
[Collection(UploadNodeCollection.Name)]
public sealed class UploadTests(UploadNodeFixture fixture)
{
    private const string Spill = "payload_spill";
    private const string Snapshot = "bootstrap_snapshot";

    private static readonly object[] MirrorAll =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "blob", action = "mirror" },
    ];

    private NodeFixture Node => fixture.Node;

    private async Task<(RegisteredDevice Device, TestDevice Mqtt, EdgeApi Api)> ConnectAsync()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        var mqtt = await device.ConnectAsync(Node);
        await mqtt.ListenForControlsAsync();
        return (device, mqtt, api);
    }

    private static async Task<JsonElement> GrantAsync(TestDevice mqtt, string table, string kind)
    {
        var before = mqtt.Controls().Select(c => c.GetProperty("control_id").GetString()).ToHashSet();
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest(table, kind))).ReasonCode);
        var grant = await mqtt.WaitForControlAsync("url_grant", c => !before.Contains(c.GetProperty("control_id").GetString()));
        await mqtt.AcknowledgeAsync(grant);
        return grant;
    }

    private async Task<HttpResponseMessage> PutAsync(string url, byte[] body)
    {
        using var client = Node.CreateClient();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zstd");
        return await client.PutAsync(new Uri(url).PathAndQuery, content);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
    }

    private static async Task<List<JsonElement>> RejectionsAsync(EdgeApi api, RegisteredDevice device, string code) =>
        (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}&code={code}"))
            .GetProperty("data").EnumerateArray().ToList();

    [Fact]
    public async Task A_url_request_is_answered_with_a_url_grant_resent_until_acknowledged_and_creates_the_lineage()
    {
        var (device, mqtt, api) = await ConnectAsync();
        await using var _ = mqtt;
        using var __ = api;

        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.UrlRequest("gadget", Snapshot));
        var grant = await mqtt.WaitForControlAsync("url_grant");
        Assert.Equal(1, grant.GetProperty("format_version").GetInt32());
        Assert.Equal("gadget", grant.GetProperty("source_table").GetString());
        var uploadId = Guid.Parse(grant.GetProperty("upload_id").GetString()!);
        Assert.Equal(7, uploadId.Version);
        Assert.Contains("/core/api/v1/uploads/", grant.GetProperty("presigned_url").GetString());
        var expires = grant.GetProperty("presigned_url_expires_at").GetDateTimeOffset();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(16));

        // Not acknowledged: sent again, byte for byte.
        var controlId = grant.GetProperty("control_id").GetString();
        await Eventually.GetAsync(() => Task.FromResult(mqtt.Controls().Count(c => c.GetProperty("control_id").GetString() == controlId)), n => n >= 2,
            what: "the url_grant to be sent again");
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.AcknowledgeAsync(grant)).ReasonCode);

        var lineage = await api.LineageOfAsync(device.DeviceId, "gadget");
        var lineageId = lineage.GetProperty("id").GetGuid();
        await Eventually.GetAsync(() => api.LineageAsync(lineageId), l => l.GetProperty("pending_controls").GetArrayLength() == 0,
            what: "the acknowledged grant to leave the pending controls");
        var upload = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/uploads/{uploadId}")).GetProperty("data");
        Assert.Equal("granted", upload.GetProperty("state").GetString());
        Assert.Equal(lineageId, upload.GetProperty("lineage_id").GetGuid());

        // Another project does not see it.
        var other = await Fleet.CreateProjectAsync(Node);
        using var stranger = Node.CreateClient($"{other}:PROJECT_CAN_MANAGE_DEVICES");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/core/api/v1/projects/{other}/edge/uploads/{uploadId}")).StatusCode);
    }

    [Fact]
    public async Task The_upload_endpoint_refuses_tampered_expired_reused_oversized_and_uncompressed_objects_with_problem_details()
    {
        var (device, mqtt, api) = await ConnectAsync();
        await using var _ = mqtt;
        using var __ = api;
        var url = (await GrantAsync(mqtt, "pump", Spill)).GetProperty("presigned_url").GetString()!;
        var good = UploadObjects.Compress(["{}"]);

        var token = url[(url.LastIndexOf('/') + 1)..];
        var tampered = url[..(url.LastIndexOf('/') + 1)] + (token[0] == 'A' ? 'B' : 'A') + token[1..];
        await AssertProblemAsync(await PutAsync(tampered, good), HttpStatusCode.Forbidden, "upload_token_invalid");
        await AssertProblemAsync(await PutAsync(url[..(url.LastIndexOf('/') + 1)] + "not-a-token", good), HttpStatusCode.Forbidden, "upload_token_invalid");

        await AssertProblemAsync(await PutAsync(url, "{\"plain\":\"json\"}\n"u8.ToArray()), HttpStatusCode.BadRequest, "upload_not_zstd");
        var oversized = new byte[UploadNodeFixture.MaxObjectBytes + 1];
        Random.Shared.NextBytes(oversized);
        good.AsSpan(0, 4).CopyTo(oversized);
        await AssertProblemAsync(await PutAsync(url, oversized), HttpStatusCode.RequestEntityTooLarge, "upload_too_large");

        // Refusals keep nothing: the URL still takes its one object, and only one.
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(url, good)).StatusCode);
        await AssertProblemAsync(await PutAsync(url, good), HttpStatusCode.Conflict, "upload_already_used");

        // A URL past its expiry: the same upload, signed as the node signs, with an expiry that passed.
        var claims = await Node.Services.GetRequiredService<UploadTokens>().VerifyAsync(token);
        var expired = await Node.Services.GetRequiredService<UploadTokens>().SignAsync(claims! with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
        await AssertProblemAsync(await PutAsync(url[..(url.LastIndexOf('/') + 1)] + expired, good), HttpStatusCode.Gone, "upload_expired");

        var uploadId = claims!.UploadId;
        var upload = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/uploads/{uploadId}")).GetProperty("data");
        Assert.Equal("uploaded", upload.GetProperty("state").GetString());
        Assert.Equal(good.Length, upload.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task A_spilled_batch_with_a_row_over_512_KiB_reaches_the_mirror_once_and_a_redelivered_finalize_is_a_no_op()
    {
        var (device, mqtt, api) = await ConnectAsync();
        await using var _ = mqtt;
        using var __ = api;
        using var source = new SqliteSource("blobs", "id INTEGER PRIMARY KEY, blob TEXT");
        var big = new string('x', 700 * 1024);
        source.Upsert(new Dictionary<string, object?> { ["id"] = 1, ["blob"] = big });
        source.Upsert(new Dictionary<string, object?> { ["id"] = 2, ["blob"] = "small" });
        var (spill, batchId) = UploadObjects.Spill(source.TakeBatch()!);

        var grant = await GrantAsync(mqtt, "blobs", Spill);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(grant.GetProperty("presigned_url").GetString()!, spill)).StatusCode);
        var uploadId = Guid.Parse(grant.GetProperty("upload_id").GetString()!);
        var finalize = UploadObjects.Finalize("blobs", Spill, uploadId, batchId);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/ingest/request", finalize)).ReasonCode);

        var lineageId = (await api.LineageOfAsync(device.DeviceId, "blobs")).GetProperty("id").GetGuid();
        var review = await Eventually.GetAsync(async () => (await api.Client.GetJsonAsync(
                $"/core/api/v1/projects/{device.ProjectId}/edge/schema-reviews?lineage_id={lineageId}&status=queued")).GetProperty("data"),
            d => d.GetArrayLength() == 1, what: "the spilled batch's schema to be reviewed");
        await api.ApproveAsync(review[0].GetProperty("id").GetGuid(), MirrorAll);
        await api.WaitForBacklogDrainedAsync(lineageId);
        var rows = await api.MirrorRowsAsync(lineageId);
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r.GetRawText().Contains(big, StringComparison.Ordinal));

        var upload = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/uploads/{uploadId}")).GetProperty("data");
        Assert.Equal("finalized", upload.GetProperty("state").GetString());
        Assert.Equal(2, upload.GetProperty("rows_ingested").GetInt64());
        Assert.Equal(batchId, upload.GetProperty("batch_id").GetGuid());

        // The same finalize again: acknowledged, nothing ingested twice, nothing rejected.
        var before = (await api.LineageAsync(lineageId)).GetProperty("counters");
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/ingest/request", finalize)).ReasonCode);
        var after = (await api.LineageAsync(lineageId)).GetProperty("counters");
        Assert.Equal(before.GetProperty("rows_received").GetInt64(), after.GetProperty("rows_received").GetInt64());
        Assert.Equal(before.GetProperty("batches_accepted").GetInt64(), after.GetProperty("batches_accepted").GetInt64());
        Assert.Empty(await RejectionsAsync(api, device, "invalid_upload"));
        Assert.Equal(2, (await api.MirrorRowsAsync(lineageId)).Count);

        // The same upload finalized under another batch id is refused.
        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.Finalize("blobs", Spill, uploadId, Guid.CreateVersion7()));
        Assert.Single(await RejectionsAsync(api, device, "invalid_upload"));
    }

    [Fact]
    public async Task A_finalize_of_an_unknown_not_uploaded_or_another_devices_upload_is_recorded_as_invalid_upload()
    {
        var (device, mqtt, api) = await ConnectAsync();
        await using var _ = mqtt;
        using var __ = api;

        await mqtt.PublishAsync("sync/ingest/request", UploadObjects.Finalize("pump", Spill, Guid.CreateVersion7(), Guid.CreateVersion7()));
        Assert.Single(await RejectionsAsync(api, device, "invalid_upload"));

        var granted = Guid.Parse((await GrantAsync(mqtt, "pump", Spill)).GetProperty("upload_id").GetString()!);
        var notUploaded = Guid.CreateVersion7();
        // Refused and recorded, and acknowledged all the same (MQTT 5: "payload format invalid"), so the device does not resend it.
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid,
            (await mqtt.PublishAsync("sync/ingest/request", UploadObjects.Finalize("pump", Spill, granted, notUploaded))).ReasonCode);
        var rejections = await RejectionsAsync(api, device, "invalid_upload");
        Assert.Equal(2, rejections.Count);
        Assert.Contains(rejections, r => r.GetProperty("batch_id").GetString() == notUploaded.ToString() && r.GetProperty("detail").GetString()!.Contains("uploaded"));

        // Another device, of this project or another tenant, cannot finalize it.
        foreach (var projectId in new Guid?[] { device.ProjectId, null })
        {
            var otherDevice = await Fleet.RegisterDeviceAsync(Node, projectId);
            await using var other = await otherDevice.ConnectAsync(Node);
            await other.PublishAsync("sync/ingest/request", UploadObjects.Finalize("pump", Spill, granted, Guid.CreateVersion7()));
            using var otherApi = new EdgeApi(Node.CreateClient($"{otherDevice.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), otherDevice.ProjectId);
            Assert.Single(await RejectionsAsync(otherApi, otherDevice, "invalid_upload"));
        }

        // A request of an unknown kind is refused with its own code.
        await mqtt.PublishAsync("sync/ingest/request", """{"format_version":1,"request_kind":"teleport","source_table":"pump","segment_kind":"payload_spill"}""");
        Assert.Single(await RejectionsAsync(api, device, "invalid_request_kind"));
    }
}
