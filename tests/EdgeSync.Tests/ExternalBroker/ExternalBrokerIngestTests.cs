using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.ExternalBroker;

/// <summary>Uplinks and controls of devices connected to an external Mosquitto, which the node consumes with shared subscriptions.</summary>
[Collection(ExternalBrokerCollection.Name)]
public sealed class ExternalBrokerIngestTests(ExternalBrokerFixture fixture)
{
    private const string Api = "/core/api/v1/projects";
    private NodeFixture Node => fixture.Node;
    private string NodeClientId => fixture.NodeClientId;

    [Fact]
    public async Task A_batch_published_to_the_broker_is_staged_once_acknowledged_to_the_broker_and_dates_the_device_last_seen()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        await using var mqtt = await fixture.ConnectAsync(device);
        var topic = $"{device.TopicRoot}/sync/rows/batch";

        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 3)))).ReasonCode);

        using var viewer = Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var lineageId = await WaitForLineageAsync(viewer, device);
        var staged = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows");
        Assert.Equal([1L, 2, 3], staged.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));
        await Eventually.GetAsync(() => Task.FromResult(fixture.Broker.Acknowledged(NodeClientId, topic)), acknowledged => acknowledged,
            TimeSpan.FromSeconds(10), "the node's PUBACK to the broker");

        var seen = await Eventually.GetAsync(() => viewer.GetJsonAsync($"{Api}/{device.ProjectId}/devices/{device.DeviceId}"),
            d => d.GetProperty("data").GetProperty("last_seen_at").ValueKind == JsonValueKind.String, TimeSpan.FromSeconds(10), "last_seen_at");
        // Connections to an external broker are not visible to the node.
        Assert.False(seen.GetProperty("data").GetProperty("connected").GetBoolean());
    }

    [Fact]
    public async Task A_device_with_an_empty_slug_project_publishes_under_a_leading_slash()
    {
        using var admin = Node.CreateClient("PLATFORM_ADMIN");
        // At most one project has the empty slug: this collection's database has no other.
        var project = await Fleet.CreateProjectAsync(admin, slug: "");
        var device = await Fleet.RegisterDeviceAsync(admin, project);
        Assert.StartsWith("/", device.TopicRoot);
        await using var mqtt = await fixture.ConnectAsync(device);

        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 2)))).ReasonCode);

        using var viewer = Node.CreateClient($"{project}:PROJECT_CAN_VIEW_DEVICES");
        var lineageId = await WaitForLineageAsync(viewer, device);
        var staged = await viewer.GetJsonAsync($"{Api}/{project}/edge/lineages/{lineageId}/staged-rows");
        Assert.Equal(2, staged.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task An_uplink_on_the_topic_of_no_registered_device_is_acknowledged_and_counted()
    {
        // An account made at the broker by hand, for a device the registry does not know.
        var username = $"ghost/gw-{Guid.NewGuid():N}"[..20];
        var topic = $"{username}/sync/rows/batch";
        var role = await fixture.Broker.CommandAsync(new JsonObject
        {
            ["command"] = "createRole", ["rolename"] = $"test:{username}",
            ["acls"] = new JsonArray(new JsonObject { ["acltype"] = "publishClientSend", ["topic"] = topic, ["allow"] = true }),
        });
        Assert.False(role.TryGetProperty("error", out _), role.ToString());
        var client = await fixture.Broker.CommandAsync(new JsonObject
        {
            ["command"] = "createClient", ["username"] = username, ["password"] = "ghost-secret",
            ["roles"] = new JsonArray(new JsonObject { ["rolename"] = $"test:{username}" }),
        });
        Assert.False(client.TryGetProperty("error", out _), client.ToString());

        await using var ghost = await TestDevice.ConnectAsync(fixture.Broker.Port, username, username, "ghost-secret", username);
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await ghost.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)))).ReasonCode);

        await Eventually.GetAsync(() => Task.FromResult(fixture.Broker.Acknowledged(NodeClientId, topic)), acknowledged => acknowledged,
            TimeSpan.FromSeconds(10), "the node's PUBACK for the unknown device's uplink");
        using var http = Node.CreateClient();
        Assert.Matches("""edgesync_mqtt_unknown_uplinks_total\{[^}]*uplink="sync/rows/batch"[^}]*\} [1-9]""", await http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Controls_reach_the_device_through_the_broker_and_one_issued_while_it_is_away_waits_in_its_session()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        using var edge = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        Guid lineageId;
        await using (var mqtt = await fixture.ConnectAsync(device))
        {
            await mqtt.ListenForControlsAsync();
            await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)));
            lineageId = await WaitForLineageAsync(edge.Client, device);

            var paused = await edge.PostAsync($"/lineages/{lineageId}/pause", new { reason = "maintenance" });
            Assert.True(paused.IsSuccessStatusCode, await paused.Content.ReadAsStringAsync());
            var pause = await mqtt.WaitForControlAsync("pause_lineage");
            Assert.Equal("maintenance", pause.GetProperty("reason").GetString());
            await mqtt.AcknowledgeAsync(pause);
            await Eventually.GetAsync(() => edge.LineageAsync(lineageId), l => l.GetProperty("pending_controls").GetArrayLength() == 0,
                TimeSpan.FromSeconds(10), "the pause to be acknowledged");
        }

        // The device is away (its persistent session stays at the broker) when the resume is issued.
        var resumed = await edge.PostAsync($"/lineages/{lineageId}/resume");
        Assert.True(resumed.IsSuccessStatusCode, await resumed.Content.ReadAsStringAsync());
        await Eventually.GetAsync(() => edge.LineageAsync(lineageId),
            l => l.GetProperty("pending_controls").EnumerateArray().Any(c => c.GetProperty("last_sent_at").ValueKind == JsonValueKind.String),
            TimeSpan.FromSeconds(10), "the resume to be published");
        await using var back = await fixture.ConnectAsync(device);
        var resume = await back.WaitForControlAsync("resume_lineage");
        await back.AcknowledgeAsync(resume);
    }

    private static async Task<Guid> WaitForLineageAsync(HttpClient client, RegisteredDevice device)
    {
        var lineages = await Eventually.GetAsync(
            () => client.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}"),
            body => body.GetProperty("data").GetArrayLength() > 0, TimeSpan.FromSeconds(20), "the device's lineage");
        return lineages.GetProperty("data")[0].GetProperty("id").GetGuid();
    }
}
