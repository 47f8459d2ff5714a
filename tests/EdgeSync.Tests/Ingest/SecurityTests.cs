using System.Net;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Ingest;

[Collection(NodeCollection.Name)]
public sealed class SecurityTests(NodeFixture node)
{
    private const string Api = "/core/api/v1/projects";

    [Fact]
    public async Task A_wrong_secret_or_a_foreign_client_id_is_refused()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        var (_, wrongSecret) = await TestDevice.TryConnectAsync(node.MqttPort, device.Username, device.Username, device.Secret + "x", device.TopicRoot);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrongSecret.ResultCode);
        var (_, wrongClientId) = await TestDevice.TryConnectAsync(node.MqttPort, "someone-else", device.Username, device.Secret, device.TopicRoot);
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, wrongClientId.ResultCode);
    }

    [Fact]
    public async Task Rotating_a_secret_ends_the_connection_made_with_the_old_one_and_only_the_new_one_connects()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var connected = await device.ConnectAsync(node);
        await using var bystander = await (await Fleet.RegisterDeviceAsync(node, device.ProjectId)).ConnectAsync(node);
        using var manager = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES");

        var rotated = await Fleet.ReadDataAsync(await manager.PostAsync($"{Api}/{device.ProjectId}/devices/{device.DeviceId}/rotate-secret", null));

        await Eventually.GetAsync(() => Task.FromResult(connected.IsConnected), isConnected => !isConnected, what: "the old connection to be closed");
        Assert.True(bystander.IsConnected);
        var (_, withOld) = await TestDevice.TryConnectAsync(node.MqttPort, device.Username, device.Username, device.Secret, device.TopicRoot);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, withOld.ResultCode);
        await using var withNew = await TestDevice.ConnectAsync(node.MqttPort, device.Username, device.Username, rotated.GetProperty("secret").GetString()!, device.TopicRoot);
        var batch = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1));
        Assert.Equal(MqttClientPublishReasonCode.Success, (await withNew.PublishAsync("sync/rows/batch", batch)).ReasonCode);
        // The new connection outlives several checks.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.True(withNew.IsConnected);
    }

    [Fact]
    public async Task A_deleted_device_loses_its_connection_and_is_refused_and_only_a_manager_of_its_project_can_delete_it()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var connected = await device.ConnectAsync(node);
        var other = await Fleet.CreateProjectAsync(node);
        using var outsider = node.CreateClient($"{other}:PROJECT_CAN_MANAGE_DEVICES");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.DeleteAsync($"{Api}/{other}/devices/{device.DeviceId}")).StatusCode);
        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"{Api}/{device.ProjectId}/devices/{device.DeviceId}")).StatusCode);
        using var manager = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES");

        var deleted = await Fleet.ReadDataAsync(await manager.DeleteAsync($"{Api}/{device.ProjectId}/devices/{device.DeviceId}"));

        Assert.Equal(device.DeviceId, deleted.GetProperty("device_id").GetGuid());
        await Eventually.GetAsync(() => Task.FromResult(connected.IsConnected), isConnected => !isConnected, what: "the connection to be closed");
        var (_, again) = await TestDevice.TryConnectAsync(node.MqttPort, device.Username, device.Username, device.Secret, device.TopicRoot);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, again.ResultCode);
        Assert.Equal(HttpStatusCode.NotFound, (await manager.DeleteAsync($"{Api}/{device.ProjectId}/devices/{device.DeviceId}")).StatusCode);
    }

    [Fact]
    public async Task A_device_can_neither_publish_under_another_root_nor_subscribe_to_its_controls()
    {
        var project = await Fleet.CreateProjectAsync(node);
        var a = await Fleet.RegisterDeviceAsync(node, project);
        var b = await Fleet.RegisterDeviceAsync(node, project);
        await using var mqtt = await a.ConnectAsync(node);

        var batch = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1));
        var foreignPublish = await mqtt.PublishRawAsync($"{b.TopicRoot}/sync/rows/batch", System.Text.Encoding.UTF8.GetBytes(batch));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreignPublish.ReasonCode);
        var controlPublish = await mqtt.PublishAsync("sync/ingest/control", "{}");
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, controlPublish.ReasonCode);

        var foreignSubscribe = await mqtt.SubscribeAsync($"{b.TopicRoot}/sync/ingest/control");
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single(foreignSubscribe.Items).ResultCode);
        var ownSubscribe = await mqtt.SubscribeAsync($"{a.TopicRoot}/sync/ingest/control");
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, Assert.Single(ownSubscribe.Items).ResultCode);

        using var viewer = node.CreateClient($"{project}:PROJECT_CAN_VIEW_DEVICES");
        var lineages = await viewer.GetJsonAsync($"{Api}/{project}/edge/lineages");
        Assert.Equal(0, lineages.GetProperty("meta").GetProperty("total_items").GetInt32());
    }

    [Fact]
    public async Task The_edge_API_answers_401_without_token_403_without_grant_and_404_for_another_projects_lineage()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using (var mqtt = await device.ConnectAsync(node))
            await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)));
        using var owner = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var lineageId = (await owner.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages")).GetProperty("data")[0].GetProperty("id").GetGuid();

        using var anonymous = node.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"{Api}/{device.ProjectId}/edge/lineages")).StatusCode);

        var other = await Fleet.CreateProjectAsync(node);
        using var outsider = node.CreateClient($"{other}:PROJECT_CAN_MANAGE_DEVICES");
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync($"{Api}/{device.ProjectId}/edge/lineages")).StatusCode);

        var crossProject = await outsider.GetAsync($"{Api}/{other}/edge/lineages/{lineageId}");
        Assert.Equal(HttpStatusCode.NotFound, crossProject.StatusCode);
        Assert.Contains("lineage_not_found", await crossProject.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"{Api}/{other}/edge/lineages/{lineageId}/staged-rows")).StatusCode);
    }
}
