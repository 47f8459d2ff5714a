using System.Net.Http.Headers;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Deployment;

/// <summary>The local cluster's load balancer spreads API requests over the live nodes and goes around a dead one.</summary>
public sealed class ClusterBalancerTests
{
    [Fact]
    public async Task The_balancer_spreads_requests_over_both_nodes_and_none_fails_after_one_is_killed()
    {
        await using var nodes = await TwoNodes.StartAsync();
        await using var balancer = await Balancer.StartAsync(nodes.FirstPorts.Http, nodes.SecondPorts.Http);
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
}
