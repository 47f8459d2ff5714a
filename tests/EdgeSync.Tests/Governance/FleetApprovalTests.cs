using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Governance;

/// <summary>Fleet approval: one registry decision for a table's schema approves every device waiting for it, and the devices that come later.</summary>
[Collection(NodeCollection.Name)]
public sealed class FleetApprovalTests(NodeFixture node)
{
    private const string Meter = "id INTEGER PRIMARY KEY NOT NULL, kwh REAL";
    private static readonly object[] MirrorBoth = [new { source_column_name = "id", action = "mirror" }, new { source_column_name = "kwh", action = "mirror" }];

    /// <summary>Publishes <paramref name="rows"/> rows of the device's own <c>meter</c> table; answers the table as the device holds it.</summary>
    private async Task<Dictionary<string, JsonObject>> PublishAsync(RegisteredDevice device, string columns, int rows, int seed)
    {
        await using var mqtt = await device.ConnectAsync(node);
        using var source = new SqliteSource("meter", columns);
        for (var id = 1; id <= rows; id++)
            source.Upsert(new Dictionary<string, object?> { ["id"] = (long)id, ["kwh"] = seed * 1000 + id * 1.5 });
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        return source.Rows();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static async Task AssertMirrorEqualsAsync(EdgeApi api, Guid lineageId, Dictionary<string, JsonObject> source)
    {
        await api.WaitForBacklogDrainedAsync(lineageId);
        var mirror = await api.MirrorRowsAsync(lineageId);
        Assert.Equal(source.Count, mirror.Count);
        foreach (var row in mirror)
        {
            var expected = source[new JsonObject { ["id"] = row.GetProperty("id").GetInt64() }.ToJsonString()];
            Assert.Equal(expected["kwh"]!.GetValue<double>(), row.GetProperty("kwh").GetDouble());
        }
    }

    [Fact]
    public async Task One_fleet_approval_approves_every_review_of_the_schema_and_each_mirror_equals_its_device_table()
    {
        var first = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{first.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), first.ProjectId);
        var fleet = new List<RegisteredDevice> { first };
        for (var i = 0; i < 5; i++)
            fleet.Add(await Fleet.RegisterDeviceAsync(node, first.ProjectId));
        var sources = new Dictionary<Guid, Dictionary<string, JsonObject>>();
        for (var i = 0; i < fleet.Count; i++)
            sources[fleet[i].DeviceId] = await PublishAsync(fleet[i], Meter, rows: 5 + i, seed: i);
        var odd = await Fleet.RegisterDeviceAsync(node, first.ProjectId);
        await PublishAsync(odd, Meter + ", note TEXT", rows: 2, seed: 99);

        var group = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{first.ProjectId}/edge/schema-groups")).GetProperty("data")
            .EnumerateArray().Single(g => g.GetProperty("lineage_count").GetInt32() == fleet.Count);
        var reviewId = group.GetProperty("example_review_id").GetGuid();
        var (status, body) = await SendAsync(api.PostAsync($"/schema-reviews/{reviewId}/approve",
            new { action_version = 1, column_actions = MirrorBoth, scope = "project" }));

        Assert.Equal(HttpStatusCode.OK, status);
        var decision = body.GetProperty("data").GetProperty("decision");
        var decisionId = decision.GetProperty("decision_id").GetGuid();
        Assert.Equal(("completed", true, "per_device"), (decision.GetProperty("fan_out").GetString(), decision.GetProperty("in_force").GetBoolean(),
            decision.GetProperty("mirror_layout").GetString()));
        var approved = body.GetProperty("data").GetProperty("approved_review_ids").EnumerateArray().Select(e => e.GetGuid()).ToList();
        Assert.Equal(fleet.Count, approved.Count);
        Assert.Contains(reviewId, approved);

        foreach (var device in fleet)
        {
            var lineage = await api.LineageOfAsync(device.DeviceId);
            var lineageId = lineage.GetProperty("id").GetGuid();
            await AssertMirrorEqualsAsync(api, lineageId, sources[device.DeviceId]);
            var after = await api.LineageAsync(lineageId);
            Assert.Equal(("active", decisionId), (after.GetProperty("status").GetString(), after.GetProperty("registry_decision_id").GetGuid()));
            var events = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{first.ProjectId}/edge/lineages/{lineageId}/events?limit=200"))
                .GetProperty("data").EnumerateArray().ToList();
            var approval = Assert.Single(events, e => e.GetProperty("type").GetString() == "review_approved");
            Assert.Equal(decisionId, approval.GetProperty("data").GetProperty("registry_decision_id").GetGuid());
            Assert.StartsWith("operator:", approval.GetProperty("data").GetProperty("actor").GetString());
        }
        // Another schema of the same table is not the decision's.
        var oddLineage = (await api.LineageOfAsync(odd.DeviceId)).GetProperty("id").GetGuid();
        Assert.Equal("queued", (await api.OpenReviewAsync(oddLineage)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_device_that_appears_after_the_decision_flows_without_a_review_until_the_decision_is_revoked()
    {
        var first = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{first.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), first.ProjectId);
        await PublishAsync(first, Meter, rows: 3, seed: 1);
        var firstLineage = (await api.LineageOfAsync(first.DeviceId)).GetProperty("id").GetGuid();
        var hash = (await api.OpenReviewAsync(firstLineage)).GetProperty("schema_hash").GetString()!;

        var (status, body) = await SendAsync(api.PostAsync("/registry/decisions",
            new { source_table = "meter", schema_hash = hash, column_actions = MirrorBoth }));
        Assert.Equal(HttpStatusCode.OK, status);
        var decisionId = body.GetProperty("data").GetProperty("decision").GetProperty("decision_id").GetGuid();
        Assert.Single(body.GetProperty("data").GetProperty("approved_review_ids").EnumerateArray());

        var later = await Fleet.RegisterDeviceAsync(node, first.ProjectId);
        var laterRows = await PublishAsync(later, Meter, rows: 4, seed: 2);
        var laterId = (await api.LineageOfAsync(later.DeviceId)).GetProperty("id").GetGuid();
        var laterLineage = await Eventually.GetAsync(() => api.LineageAsync(laterId),
            l => l.GetProperty("counters").GetProperty("rows_materialized").GetInt64() == 4, what: "the later device's rows to be written");
        Assert.Equal(("active", 0L), (laterLineage.GetProperty("status").GetString(), laterLineage.GetProperty("counters").GetProperty("rows_staged").GetInt64()));
        Assert.Equal(decisionId, laterLineage.GetProperty("registry_decision_id").GetGuid());
        Assert.Equal(0, (await api.Client.GetJsonAsync($"/core/api/v1/projects/{first.ProjectId}/edge/schema-reviews?lineage_id={laterId}"))
            .GetProperty("data").GetArrayLength());
        await AssertMirrorEqualsAsync(api, laterId, laterRows);
        var events = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{first.ProjectId}/edge/lineages/{laterId}/events"))
            .GetProperty("data").EnumerateArray().ToList();
        var accepted = Assert.Single(events, e => e.GetProperty("type").GetString() == "schema_accepted");
        Assert.Equal(decisionId, accepted.GetProperty("data").GetProperty("registry_decision_id").GetGuid());
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "schema_observed"
            && e.GetProperty("data").GetProperty("classification").GetString() is not null);

        using var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/core/api/v1/projects/{first.ProjectId}/edge/registry/decisions/{decisionId}");
        revoke.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var revoked = await Fleet.ReadDataAsync(await api.Client.SendAsync(revoke));
        Assert.False(revoked.GetProperty("in_force").GetBoolean());

        var afterRevoke = await Fleet.RegisterDeviceAsync(node, first.ProjectId);
        await PublishAsync(afterRevoke, Meter, rows: 2, seed: 3);
        var waiting = await api.LineageOfAsync(afterRevoke.DeviceId);
        Assert.Equal("paused", waiting.GetProperty("status").GetString());
        Assert.Equal("queued", (await api.OpenReviewAsync(waiting.GetProperty("id").GetGuid())).GetProperty("state").GetString());
        // Lineages accepted under the decision keep their bindings.
        Assert.Equal("active", (await api.LineageAsync(laterId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_fleet_approval_into_a_named_coalesced_table_binds_every_waiting_device_and_every_later_one_to_that_table()
    {
        var first = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{first.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), first.ProjectId);
        var fleet = new List<RegisteredDevice> { first };
        for (var i = 0; i < 3; i++)
            fleet.Add(await Fleet.RegisterDeviceAsync(node, first.ProjectId));
        var sources = new Dictionary<Guid, Dictionary<string, JsonObject>>();
        for (var i = 0; i < fleet.Count; i++)
            sources[fleet[i].DeviceId] = await PublishAsync(fleet[i], Meter, rows: 4, seed: i);
        var table = $"meters_{Guid.NewGuid():N}"[..20];
        var reviewId = (await api.OpenReviewAsync((await api.LineageOfAsync(first.DeviceId)).GetProperty("id").GetGuid())).GetProperty("id").GetGuid();

        var (status, body) = await SendAsync(api.PostAsync($"/schema-reviews/{reviewId}/approve",
            new { action_version = 1, column_actions = MirrorBoth, scope = "project", mirror_layout = "coalesced", mirror_table_name = table }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(fleet.Count, body.GetProperty("data").GetProperty("approved_review_ids").GetArrayLength());
        var later = await Fleet.RegisterDeviceAsync(node, first.ProjectId);
        sources[later.DeviceId] = await PublishAsync(later, Meter, rows: 3, seed: 9);
        foreach (var device in fleet.Append(later))
        {
            var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
            var mirror = (await api.LineageAsync(lineageId)).GetProperty("mirror");
            Assert.Equal(table, mirror.GetProperty("name").GetString());
            // Every device keys its rows 1..n: the shared table keeps them apart, and each lineage shows its own.
            await AssertMirrorEqualsAsync(api, lineageId, sources[device.DeviceId]);
        }
    }

    [Fact]
    public async Task A_decision_is_refused_with_a_clear_code_for_an_unknown_schema_other_terms_for_a_decided_schema_and_a_table_name_without_coalescing()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await PublishAsync(device, Meter, rows: 1, seed: 1);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        var hash = (await api.OpenReviewAsync(lineageId)).GetProperty("schema_hash").GetString()!;

        var (status, body) = await SendAsync(api.PostAsync("/registry/decisions", new { source_table = "meter", schema_hash = "unknown", column_actions = MirrorBoth }));
        Assert.Equal((HttpStatusCode.Conflict, "schema_unknown"), (status, body.GetProperty("code").GetString()));

        (status, body) = await SendAsync(api.PostAsync("/registry/decisions",
            new { source_table = "meter", schema_hash = hash, column_actions = MirrorBoth, mirror_table_name = "meters" }));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_mirror_table_name"), (status, body.GetProperty("code").GetString()));

        (status, body) = await SendAsync(api.PostAsync("/registry/decisions",
            new { source_table = "meter", schema_hash = hash, column_actions = new object[] { new { source_column_name = "kwh", action = "mirror" } } }));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_column_actions"), (status, body.GetProperty("code").GetString()));

        (status, body) = await SendAsync(api.PostAsync("/registry/decisions", new { source_table = "", column_actions = (object?)null, mirror_layout = "sideways" }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var fields = body.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("source_table", fields);
        Assert.Contains("schema_hash", fields);
        Assert.Contains("column_actions", fields);
        Assert.Contains("mirror_layout", fields);

        (status, body) = await SendAsync(api.PostAsync("/registry/decisions", new { source_table = "meter", schema_hash = hash, column_actions = MirrorBoth }));
        Assert.Equal(HttpStatusCode.OK, status);
        var recorded = body.GetProperty("data").GetProperty("decision").GetProperty("decision_id").GetGuid();
        // The same decision again (a retry whose answer was lost) answers the decision in force; other terms are a conflict.
        (status, body) = await SendAsync(api.PostAsync("/registry/decisions", new { source_table = "meter", schema_hash = hash, column_actions = MirrorBoth }));
        Assert.Equal((HttpStatusCode.OK, recorded), (status, body.GetProperty("data").GetProperty("decision").GetProperty("decision_id").GetGuid()));
        Assert.Equal(1, (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/registry/decisions")).GetProperty("data").GetArrayLength());
        (status, body) = await SendAsync(api.PostAsync("/registry/decisions",
            new { source_table = "meter", schema_hash = hash, column_actions = MirrorBoth, mirror_layout = "coalesced" }));
        Assert.Equal((HttpStatusCode.Conflict, "registry_decision_exists"), (status, body.GetProperty("code").GetString()));

        // Another project sees none of it.
        var stranger = await Fleet.RegisterDeviceAsync(node);
        using var strangerClient = node.CreateClient($"{stranger.ProjectId}:PROJECT_CAN_MANAGE_DEVICES");
        var decisionId = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/registry/decisions"))
            .GetProperty("data")[0].GetProperty("decision_id").GetGuid();
        using var peek = await strangerClient.GetAsync($"/core/api/v1/projects/{stranger.ProjectId}/edge/registry/decisions/{decisionId}");
        Assert.Equal(HttpStatusCode.NotFound, peek.StatusCode);
        Assert.Equal(0, (await strangerClient.GetJsonAsync($"/core/api/v1/projects/{stranger.ProjectId}/edge/registry/decisions")).GetProperty("data").GetArrayLength());
    }
}
