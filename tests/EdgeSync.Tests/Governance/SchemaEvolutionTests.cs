using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Governance;

/// <summary>Schema changes on the device after approval: harmless ones continue, the rest wait for an operator.</summary>
[Collection(NodeCollection.Name)]
public sealed class SchemaEvolutionTests(NodeFixture node)
{
    private static readonly object[] MirrorIdAndName =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "name", action = "mirror" },
        new { source_column_name = "note", action = "ignore" },
    ];

    private async Task<(RegisteredDevice, EdgeApi, TestDevice, SqliteSource, Guid)> ApprovedAsync()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        var mqtt = await device.ConnectAsync(node);
        var source = new SqliteSource("meter", "id INTEGER PRIMARY KEY NOT NULL, name TEXT, note TEXT");
        source.Upsert(new Dictionary<string, object?> { ["id"] = 1L, ["name"] = "a", ["note"] = "n" });
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), MirrorIdAndName);
        await api.WaitForBacklogDrainedAsync(lineageId);
        return (device, api, mqtt, source, lineageId);
    }

    [Fact]
    public async Task Dropping_an_ignored_column_is_compatible_and_rows_keep_flowing()
    {
        var (_, api, mqtt, source, lineageId) = await ApprovedAsync();
        await using var _ = mqtt;
        using var __ = api;
        source.Execute("ALTER TABLE meter DROP COLUMN note");
        source.Upsert(new Dictionary<string, object?> { ["id"] = 2L, ["name"] = "b" });
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch(withColumns: true)!)).ReasonCode);

        var lineage = await api.LineageAsync(lineageId);
        Assert.Equal("active", lineage.GetProperty("status").GetString());
        Assert.Equal(source.Fingerprint().ComputeHash(), lineage.GetProperty("accepted_schema_hash").GetString());
        Assert.Equal("compatible_mapped", lineage.GetProperty("schema_versions")[1].GetProperty("classification").GetString());
        Assert.Equal(2, (await api.MirrorRowsAsync(lineageId)).Count);
    }

    [Fact]
    public async Task A_new_nullable_column_waits_for_review_unless_the_policy_allows_additive_changes()
    {
        var (device, api, mqtt, source, lineageId) = await ApprovedAsync();
        await using var _ = mqtt;
        using var __ = api;

        source.Execute("ALTER TABLE meter ADD COLUMN unit TEXT");
        source.Upsert(new Dictionary<string, object?> { ["id"] = 2L, ["name"] = "b", ["unit"] = "kWh" });
        await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch(withColumns: true)!);
        var paused = await api.LineageAsync(lineageId);
        Assert.Equal("paused", paused.GetProperty("status").GetString());
        var review = await api.OpenReviewAsync(lineageId);
        Assert.Equal("compatible_additive", review.GetProperty("classification").GetString());
        var detail = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/schema-reviews/{review.GetProperty("id").GetGuid()}")).GetProperty("data");
        Assert.Equal("unit", Assert.Single(detail.GetProperty("diff").GetProperty("added").EnumerateArray()).GetProperty("name").GetString());

        // With the policy switched on, the next additive change goes through by itself.
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/core/api/v1/projects/{device.ProjectId}/edge/policy")
        {
            Content = JsonContent.Create(new { allow_additive_continue = true }),
        };
        patch.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.OK, (await api.Client.SendAsync(patch)).StatusCode);
        await api.ApproveAsync(review.GetProperty("id").GetGuid(), [.. MirrorIdAndName, new { source_column_name = "unit", action = "mirror" }]);
        await api.WaitForBacklogDrainedAsync(lineageId);

        source.Execute("ALTER TABLE meter ADD COLUMN phase INTEGER");
        source.Upsert(new Dictionary<string, object?> { ["id"] = 3L, ["name"] = "c", ["unit"] = "kWh", ["phase"] = 3L });
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch(withColumns: true)!)).ReasonCode);

        var lineage = await api.LineageAsync(lineageId);
        Assert.Equal("active", lineage.GetProperty("status").GetString());
        var rows = await api.MirrorRowsAsync(lineageId);
        Assert.Equal(3, rows.Count);
        Assert.Equal(3, rows.Single(r => r.GetProperty("id").GetInt64() == 3).GetProperty("phase").GetInt64());
        var audit = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/schema-reviews?lineage_id={lineageId}&status=approved"))
            .GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(audit, r => r.GetProperty("automatic").GetBoolean());
    }

    [Fact]
    public async Task Hostile_table_and_column_names_get_safe_distinct_mirrors_with_their_data_intact()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        var hostileTables = new[] { "Robert'); DROP TABLE \"x\";--", "robert___drop_table__x___", "Ünïcode 表 " + new string('t', 200) };
        var lineages = new List<(Guid Id, string Table)>();
        foreach (var table in hostileTables)
        {
            using var source = new SqliteSource(table, "\"select\" INTEGER PRIMARY KEY NOT NULL, \"x\"\"; DROP TABLE y; --\" TEXT, \"Ω\" REAL");
            source.Upsert(new Dictionary<string, object?> { ["select"] = 7L, ["x\"; DROP TABLE y; --"] = "'; DELETE FROM edgesync.mt_events; --", ["Ω"] = 1.5 });
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
            var lineageId = (await api.LineageOfAsync(device.DeviceId, table)).GetProperty("id").GetGuid();
            await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(),
            [
                new { source_column_name = "select", action = "mirror" },
                new { source_column_name = "x\"; DROP TABLE y; --", action = "mirror" },
                new { source_column_name = "Ω", action = "mirror" },
            ]);
            lineages.Add((lineageId, table));
        }

        var names = new HashSet<string>();
        foreach (var (id, _) in lineages)
        {
            var lineage = await api.WaitForBacklogDrainedAsync(id);
            var mirrorName = lineage.GetProperty("mirror").GetProperty("name").GetString()!;
            Assert.Matches("^[a-z_][a-z0-9_]{0,62}$", mirrorName);
            Assert.True(names.Add(mirrorName), $"{mirrorName} is used twice");
            var row = Assert.Single(await api.MirrorRowsAsync(id));
            Assert.Equal(7, row.GetProperty("select").GetInt64());
            Assert.Contains(row.EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == "'; DELETE FROM edgesync.mt_events; --");
        }
        var events = await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineages[0].Id}/events");
        Assert.True(events.GetProperty("meta").GetProperty("total_items").GetInt32() > 0, "the event store is intact");
    }
}
