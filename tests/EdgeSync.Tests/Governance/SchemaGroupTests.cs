using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Governance;

/// <summary><c>GET …/edge/schema-groups</c>: the waiting reviews of a project, one entry per schema.</summary>
[Collection(NodeCollection.Name)]
public sealed class SchemaGroupTests(NodeFixture node)
{
    private const string Meter = "id INTEGER PRIMARY KEY NOT NULL, kwh REAL";

    private async Task PublishAsync(RegisteredDevice device, string columns, int rows)
    {
        await using var mqtt = await device.ConnectAsync(node);
        using var source = new SqliteSource("meter", columns);
        for (var id = 1; id <= rows; id++)
            source.Upsert(new Dictionary<string, object?> { ["id"] = (long)id, ["kwh"] = id * 1.5 });
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
    }

    private static JsonElement[] Groups(JsonElement page) => page.GetProperty("data").EnumerateArray().ToArray();

    [Fact]
    public async Task Devices_that_send_one_new_schema_make_one_group_with_their_counts_and_staged_rows()
    {
        var first = await Fleet.RegisterDeviceAsync(node);
        using var client = node.CreateClient($"{first.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var fleet = new List<RegisteredDevice> { first };
        for (var i = 0; i < 2; i++)
            fleet.Add(await Fleet.RegisterDeviceAsync(node, first.ProjectId));
        var odd = await Fleet.RegisterDeviceAsync(node, first.ProjectId);
        foreach (var device in fleet)
            await PublishAsync(device, Meter, rows: 4);
        await PublishAsync(odd, Meter + ", note TEXT", rows: 2);

        var groups = Groups(await client.GetJsonAsync($"/core/api/v1/projects/{first.ProjectId}/edge/schema-groups"));

        Assert.Equal(2, groups.Length);
        var big = groups[0];
        Assert.Equal("meter", big.GetProperty("source_table").GetString());
        Assert.Equal((3, 3, 12L), (big.GetProperty("lineage_count").GetInt32(), big.GetProperty("device_count").GetInt32(), big.GetProperty("staged_rows").GetInt64()));
        Assert.Equal(["id", "kwh"], big.GetProperty("proposed_columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Null, big.GetProperty("accepted_columns").ValueKind);
        Assert.Equal(2, big.GetProperty("diff").GetProperty("added").GetArrayLength());
        Assert.True(big.GetProperty("staged_bytes").GetInt64() > 0);
        var small = groups[1];
        Assert.Equal((1, 2L), (small.GetProperty("lineage_count").GetInt32(), small.GetProperty("staged_rows").GetInt64()));
        Assert.True(big.GetProperty("oldest_waiting_since").GetDateTimeOffset() <= small.GetProperty("oldest_waiting_since").GetDateTimeOffset());

        // The example review is one of the group's: approving it clears that lineage from the group.
        using var api = new EdgeApi(node.CreateClient($"{first.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), first.ProjectId);
        await api.ApproveAsync(big.GetProperty("example_review_id").GetGuid(),
            [new { source_column_name = "id", action = "mirror" }, new { source_column_name = "kwh", action = "mirror" }]);
        var after = Groups(await client.GetJsonAsync($"/core/api/v1/projects/{first.ProjectId}/edge/schema-groups"));
        Assert.Equal([2, 1], after.Select(g => g.GetProperty("lineage_count").GetInt32()));
    }

    [Fact]
    public async Task A_breaking_change_shows_its_diff_from_the_schema_the_group_accepted_before()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var client = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES");
        using var api = new EdgeApi(client, device.ProjectId);
        await PublishAsync(device, Meter, rows: 1);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(),
            [new { source_column_name = "id", action = "mirror" }, new { source_column_name = "kwh", action = "mirror" }]);

        await PublishAsync(device, "id INTEGER PRIMARY KEY NOT NULL, kwh TEXT", rows: 1);

        var group = Assert.Single(Groups(await client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/schema-groups")));
        Assert.Equal(["id", "kwh"], group.GetProperty("accepted_columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var changed = Assert.Single(group.GetProperty("diff").GetProperty("changed").EnumerateArray());
        Assert.Equal("kwh", changed.GetProperty("name").GetString());
    }
}
