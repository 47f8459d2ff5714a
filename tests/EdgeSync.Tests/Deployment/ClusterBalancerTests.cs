using System.Net.Http.Headers;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Deployment;

/// <summary>The local cluster's load balancer spreads API requests over the live nodes and goes around a dead one.</summary>
public sealed class ClusterBalancerTests
{
    [Fact]
    public async Task The_balancer_spreads_requests_over_both_nodes_and_none_fails_after_one_is_killed()
    {
        await using var nodes = await TwoNodes.StartAsync();
        await using var balancer = await Balancer.StartAsync(nodes.FirstPorts, nodes.SecondPorts);
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{balancer.Port}") };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TwoNodes.AdminToken());

        // Both nodes pass their checks (two in a row, a second apart) before the balancer sends them requests.
        await Eventually.GetAsync(() => api.GetAsync("/health/ready"), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the balancer to see a ready node");
        var device = await Fleet.RegisterDeviceAsync(api);
        var devicesUrl = $"/core/api/v1/projects/{device.ProjectId}/devices/{device.DeviceId}";
        var before = await balancer.RequestsByNodeAsync();
        for (var i = 0; i < 10; i++)
            Assert.True((await api.GetAsync(devicesUrl)).IsSuccessStatusCode);
        var after = await balancer.RequestsByNodeAsync();
        Assert.All(after, node => Assert.True(node.Value - before[node.Key] >= 4, $"{node.Key} answered {node.Value - before[node.Key]} of 10"));

        await nodes.Second.DisposeAsync(); // SIGKILL

        // Not one failed request, even before the balancer's checks take the dead node out.
        for (var i = 0; i < 20; i++)
        {
            using var response = await api.GetAsync(devicesUrl);
            Assert.True(response.IsSuccessStatusCode, $"request {i} after the kill: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Devices_connect_through_the_balancer_to_a_live_node_and_again_after_one_is_killed()
    {
        await using var nodes = await TwoNodes.StartAsync();
        await using var balancer = await Balancer.StartAsync(nodes.FirstPorts, nodes.SecondPorts);
        using var admin = TwoNodes.Http(nodes.FirstPorts, TwoNodes.AdminToken());
        var device = await Fleet.RegisterDeviceAsync(admin);
        var payloads = new BatchPayloads();

        // Round-robin: consecutive connections land on both nodes, and each takes the batch.
        for (var i = 0; i < 2; i++)
        {
            await using var mqtt = await TestDevice.ConnectAsync(balancer.MqttPort, device.Username, device.Username, device.Secret, device.TopicRoot);
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1 + 2 * i, 2), withColumns: i == 0))).ReasonCode);
        }
        Assert.All(await balancer.RequestsByNodeAsync("brokers"), node => Assert.True(node.Value >= 1, $"{node.Key} got no connection"));

        await nodes.Second.DisposeAsync(); // SIGKILL

        // Connection attempts to the dead node are refused and sent to the live one.
        for (var i = 0; i < 3; i++)
        {
            await using var mqtt = await TestDevice.ConnectAsync(balancer.MqttPort, device.Username, device.Username, device.Secret, device.TopicRoot);
            Assert.True(mqtt.IsConnected);
        }
    }
}
