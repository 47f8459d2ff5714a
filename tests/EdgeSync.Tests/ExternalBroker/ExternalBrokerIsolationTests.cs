using System.Text;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.ExternalBroker;

/// <summary>
/// Tenant isolation enforced by Mosquitto with the accounts the service provisions: each device may
/// publish its own five uplinks and subscribe to its own control topic, nothing else, under its own
/// client id; rotated secrets and deleted devices are shut out.
/// </summary>
[Collection(ExternalBrokerCollection.Name)]
public sealed class ExternalBrokerIsolationTests(ExternalBrokerFixture fixture)
{
    private const string Api = "/core/api/v1/projects";
    private NodeFixture Node => fixture.Node;

    [Fact]
    public async Task A_device_publishes_only_its_five_uplinks_and_subscribes_only_to_its_own_control_topic()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        var other = await Fleet.RegisterDeviceAsync(Node, device.ProjectId);
        await using var mqtt = await fixture.ConnectAsync(device);
        var payload = Encoding.UTF8.GetBytes(new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)));

        foreach (var uplink in EdgeSync.Wire.DeviceTopics.Uplinks)
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishRawAsync($"{device.TopicRoot}/{uplink}", payload)).ReasonCode);
        foreach (var topic in new[]
                 {
                     $"{other.TopicRoot}/sync/rows/batch", $"{device.TopicRoot}/sync/ingest/control", $"{device.TopicRoot}/anything",
                     "edgesync/elsewhere", $"{device.TopicRoot}/sync/rows/batch/more",
                 })
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await mqtt.PublishRawAsync(topic, payload)).ReasonCode);

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, (await mqtt.SubscribeAsync($"{device.TopicRoot}/sync/ingest/control")).Items.Single().ResultCode);
        foreach (var filter in new[]
                 {
                     $"{other.TopicRoot}/sync/ingest/control", $"{device.TopicRoot}/sync/rows/batch", "+/+/sync/ingest/control", "#",
                     "$share/edgesync/+/+/sync/rows/batch", $"{device.TopicRoot}/#",
                 })
            Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, (await mqtt.SubscribeAsync(filter)).Items.Single().ResultCode);
    }

    [Fact]
    public async Task A_device_named_like_one_of_another_project_can_use_neither_its_topics_nor_its_client_id()
    {
        var a = await Fleet.RegisterDeviceAsync(Node, name: "gw-01");
        var b = await Fleet.RegisterDeviceAsync(Node, name: "gw-01");
        await using var bConnection = await fixture.ConnectAsync(b);
        var batch = Encoding.UTF8.GetBytes(new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await bConnection.PublishRawAsync($"{a.TopicRoot}/sync/rows/batch", batch)).ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, (await bConnection.SubscribeAsync($"{a.TopicRoot}/sync/ingest/control")).Items.Single().ResultCode);
        // A's session is keyed by A's username; B's account is bound to B's own.
        var (_, asA) = await TestDevice.TryConnectAsync(fixture.Broker.Port, a.Username, b.Username, b.Secret, b.TopicRoot);
        Assert.NotEqual(MqttClientConnectResultCode.Success, asA.ResultCode);
        var (_, bareName) = await TestDevice.TryConnectAsync(fixture.Broker.Port, b.Name, b.Username, b.Secret, b.TopicRoot);
        Assert.NotEqual(MqttClientConnectResultCode.Success, bareName.ResultCode);

        Assert.Equal(MqttClientPublishReasonCode.Success, (await bConnection.PublishRawAsync($"{b.TopicRoot}/sync/rows/batch", batch)).ReasonCode);
        using var viewerB = Node.CreateClient($"{b.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var lineagesB = await Eventually.GetAsync(() => viewerB.GetJsonAsync($"{Api}/{b.ProjectId}/edge/lineages"),
            l => l.GetProperty("data").GetArrayLength() > 0, TimeSpan.FromSeconds(20), "B's lineage");
        Assert.Equal(b.DeviceId, Assert.Single(lineagesB.GetProperty("data").EnumerateArray()).GetProperty("device_id").GetGuid());
        using var viewerA = Node.CreateClient($"{a.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        Assert.Equal(0, (await viewerA.GetJsonAsync($"{Api}/{a.ProjectId}/edge/lineages")).GetProperty("meta").GetProperty("total_items").GetInt32());
    }

    [Fact]
    public async Task Rotating_a_secret_closes_the_connection_made_with_the_old_one_and_only_the_new_one_connects()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        await using var connected = await fixture.ConnectAsync(device);
        await using var bystander = await fixture.ConnectAsync(await Fleet.RegisterDeviceAsync(Node, device.ProjectId));
        using var manager = Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES");

        var rotated = await Fleet.ReadDataAsync(await manager.PostAsync($"{Api}/{device.ProjectId}/devices/{device.DeviceId}/rotate-secret", null));

        await Eventually.GetAsync(() => Task.FromResult(connected.IsConnected), isConnected => !isConnected, TimeSpan.FromSeconds(5), "the old connection to be closed");
        Assert.True(bystander.IsConnected);
        var (_, withOld) = await TestDevice.TryConnectAsync(fixture.Broker.Port, device.Username, device.Username, device.Secret, device.TopicRoot);
        Assert.NotEqual(MqttClientConnectResultCode.Success, withOld.ResultCode);
        await using var withNew = await fixture.ConnectAsync(device, rotated.GetProperty("secret").GetString());
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await withNew.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)))).ReasonCode);
    }

    [Fact]
    public async Task A_deleted_device_is_disconnected_and_refused()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        await using var connected = await fixture.ConnectAsync(device);
        using var manager = Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES");

        var deleted = await manager.DeleteAsync($"{Api}/{device.ProjectId}/devices/{device.DeviceId}");
        Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());

        await Eventually.GetAsync(() => Task.FromResult(connected.IsConnected), isConnected => !isConnected, TimeSpan.FromSeconds(5), "the connection to be closed");
        var (_, again) = await TestDevice.TryConnectAsync(fixture.Broker.Port, device.Username, device.Username, device.Secret, device.TopicRoot);
        Assert.NotEqual(MqttClientConnectResultCode.Success, again.ResultCode);
        Assert.Null(await fixture.Broker.ClientAsync(device.Username));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await manager.GetAsync($"{Api}/{device.ProjectId}/devices/{device.DeviceId}")).StatusCode);
    }
}
