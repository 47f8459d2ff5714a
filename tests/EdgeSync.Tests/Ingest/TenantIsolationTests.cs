using System.Net;
using System.Text;
using EdgeSync.Tests.Agent;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using MQTTnet;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Ingest;

/// <summary>
/// Device names are unique only in their project: everything MQTT keys by client id (sessions,
/// takeover, queued downlinks) must still stay inside one (project, device).
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class TenantIsolationTests(NodeFixture node, ITestOutputHelper output)
{
    private const string Api = "/core/api/v1/projects";

    [Fact]
    public async Task The_client_id_must_be_the_username_so_a_bare_device_name_is_refused()
    {
        var device = await Fleet.RegisterDeviceAsync(node);

        var (_, byName) = await TestDevice.TryConnectAsync(node.MqttPort, device.Name, device.Username, device.Secret, device.TopicRoot);
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, byName.ResultCode);
        var (_, byName311) = await TestDevice.TryConnectAsync(node.MqttPort, device.Name, device.Username, device.Secret, device.TopicRoot,
            MQTTnet.Formatter.MqttProtocolVersion.V311);
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, byName311.ResultCode);

        await using var byUsername = await device.ConnectAsync(node);
        Assert.True(byUsername.IsConnected);
    }

    [Fact]
    public async Task A_device_named_like_one_of_another_project_gets_neither_its_session_nor_its_topics_nor_its_controls()
    {
        var a = await Fleet.RegisterDeviceAsync(node, name: "gw-01");
        var b = await Fleet.RegisterDeviceAsync(node, name: "gw-01");
        Assert.NotEqual(a.ProjectId, b.ProjectId);

        // A holds a persistent session with a subscription and a queued pause control.
        await using (var first = await a.ConnectAsync(node))
        {
            await first.ListenForControlsAsync();
            await first.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)));
        }
        using var edgeA = new EdgeApi(node.CreateClient($"{a.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), a.ProjectId);
        var lineageA = (await edgeA.LineageOfAsync(a.DeviceId)).GetProperty("id").GetGuid();
        var pause = await edgeA.PostAsync($"/lineages/{lineageA}/pause", new { reason = "maintenance" });
        Assert.True(pause.IsSuccessStatusCode, await pause.Content.ReadAsStringAsync());

        var (bDevice, connack) = await TestDevice.TryConnectAsync(node.MqttPort, b.Username, b.Username, b.Secret, b.TopicRoot);
        await using var bConnection = bDevice;
        Assert.Equal(MqttClientConnectResultCode.Success, connack.ResultCode);
        Assert.False(connack.IsSessionPresent);
        await bConnection.ListenForControlsAsync();

        await using var aAgain = await a.ConnectAsync(node);
        await aAgain.ListenForControlsAsync();
        await aAgain.WaitForControlAsync("pause_lineage");
        Assert.True(bConnection.IsConnected, "A's connection must not take over B's session");

        var foreign = await bConnection.PublishRawAsync($"{a.TopicRoot}/sync/rows/batch",
            Encoding.UTF8.GetBytes(new BatchPayloads().BatchJson(BatchPayloads.Inserts(2, 1))));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreign.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await bConnection.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)))).ReasonCode);

        await Task.Delay(300); // a control for B would have been sent by now, were there one
        Assert.Empty(bConnection.Controls());
        Assert.True(aAgain.IsConnected);
        using var viewerA = node.CreateClient($"{a.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        Assert.Equal(1, (await viewerA.GetJsonAsync($"{Api}/{a.ProjectId}/edge/lineages")).GetProperty("meta").GetProperty("total_items").GetInt32());
        using var viewerB = node.CreateClient($"{b.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var lineagesB = (await viewerB.GetJsonAsync($"{Api}/{b.ProjectId}/edge/lineages")).GetProperty("data");
        Assert.Equal(b.DeviceId, Assert.Single(lineagesB.EnumerateArray()).GetProperty("device_id").GetGuid());
    }

    [Fact]
    public async Task Two_devices_named_gw_01_in_two_projects_sync_side_by_side_through_the_reference_agent()
    {
        var a = await Fleet.RegisterDeviceAsync(node, name: "gw-01");
        var b = await Fleet.RegisterDeviceAsync(node, name: "gw-01");
        using var cloudA = new Cloud(node, a);
        using var cloudB = new Cloud(node, b);
        using var dbA = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER, site TEXT)");
        using var dbB = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER, site TEXT)");
        for (var i = 1; i <= 20; i++)
        {
            dbA.Execute($"INSERT INTO pump VALUES ({i}, {i * 10}, 'a')");
            dbB.Execute($"INSERT INTO pump VALUES ({i + 100}, {i * 7}, 'b')");
        }
        var logA = new LogSink(output);
        var logB = new LogSink(output);

        await using var agentA = RunningAgent.Start(dbA.ConfigFor(a, node.MqttPort), logA);
        await using var agentB = RunningAgent.Start(dbB.ConfigFor(b, node.MqttPort), logB);
        var lineageA = await cloudA.WaitForLineageAsync("pump");
        var lineageB = await cloudB.WaitForLineageAsync("pump");
        await cloudA.ApproveAllAsync(lineageA, "id", "rpm", "site");
        await cloudB.ApproveAllAsync(lineageB, "id", "rpm", "site");
        dbA.Execute("UPDATE pump SET rpm = rpm + 1 WHERE id <= 5");
        dbB.Execute("DELETE FROM pump WHERE id > 115");

        await cloudA.WaitForMirrorAsync(lineageA, dbA, "pump", ["id"]);
        await cloudB.WaitForMirrorAsync(lineageB, dbB, "pump", ["id"]);
        foreach (var log in new[] { logA, logB })
        {
            Assert.False(log.Contains("SessionTakenOver"), log.Dump());
            Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Error);
        }
    }

    [Fact]
    public async Task Refused_connects_are_throttled_per_username_and_address_without_asking_the_registry()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        var rightSecretWhileThrottled = MqttClientConnectResultCode.Success;
        // The buckets refill once a second: a round that straddles a refill is simply run again.
        for (var round = 0; round < 3 && rightSecretWhileThrottled != MqttClientConnectResultCode.ConnectionRateExceeded; round++)
        {
            var refused = 0;
            while (true)
            {
                var (attempt, result) = await TestDevice.TryConnectAsync(node.MqttPort, device.Username, device.Username, "wrong", device.TopicRoot);
                await attempt.DisposeAsync();
                if (result.ResultCode == MqttClientConnectResultCode.ConnectionRateExceeded)
                    break;
                Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
                Assert.True(++refused <= 10, "ten wrong secrets in a row were all checked");
            }
            var (right, rightResult) = await TestDevice.TryConnectAsync(node.MqttPort, device.Username, device.Username, device.Secret, device.TopicRoot);
            await right.DisposeAsync();
            rightSecretWhileThrottled = rightResult.ResultCode;
        }
        Assert.Equal(MqttClientConnectResultCode.ConnectionRateExceeded, rightSecretWhileThrottled);

        var connected = await Eventually.GetAsync(async () =>
        {
            var (client, result) = await TestDevice.TryConnectAsync(node.MqttPort, device.Username, device.Username, device.Secret, device.TopicRoot);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
                return client;
            await client.DisposeAsync();
            return null;
        }, client => client is not null, TimeSpan.FromSeconds(5), "the throttle to let the device in again");
        await connected!.DisposeAsync();

        using var client = node.CreateClient();
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Matches("""edgesync_mqtt_refused_connections_total\{[^}]*reason="throttled"[^}]*\} [1-9]""", metrics);
    }

    [Fact]
    public async Task A_packet_over_the_size_limit_closes_the_connection_and_one_below_it_gets_its_rejection()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);

        // Over the 512 KiB batch limit but under the 1 MiB packet limit: read, refused with a code, acknowledged.
        var large = await mqtt.PublishRawAsync($"{device.TopicRoot}/sync/rows/batch", new byte[600 * 1024]);
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, large.ReasonCode);
        Assert.True(mqtt.IsConnected);

        await Assert.ThrowsAnyAsync<Exception>(() => mqtt.PublishRawAsync($"{device.TopicRoot}/sync/rows/batch", new byte[2 * 1024 * 1024]));
        await Eventually.GetAsync(() => Task.FromResult(mqtt.IsConnected), connected => !connected, TimeSpan.FromSeconds(10),
            "the connection to be closed");

        using var client = node.CreateClient();
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Matches("""edgesync_mqtt_refused_connections_total\{[^}]*reason="packet_too_large"[^}]*\} [1-9]""", metrics);
        await using var again = await device.ConnectAsync(node);
        Assert.True(again.IsConnected);
    }

    [Fact]
    public async Task The_Orleans_dashboard_is_for_platform_administrators_only()
    {
        var project = await Fleet.CreateProjectAsync(node);
        using var anonymous = node.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard/")).StatusCode);
        using var viewerOfNothing = node.CreateClient($"{Guid.NewGuid()}:PROJECT_CAN_VIEW_DEVICES");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerOfNothing.GetAsync("/dashboard/")).StatusCode);
        using var manager = node.CreateClient($"{project}:PROJECT_CAN_MANAGE_DEVICES");
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.GetAsync("/dashboard/")).StatusCode);
        using var admin = node.CreateClient("PLATFORM_ADMIN");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/dashboard/")).StatusCode);
    }
}
