using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Observability;

public sealed class MetricsTests(ObservedNode observed) : IClassFixture<ObservedNode>
{
    private NodeFixture Node => observed.Node;

    [Fact]
    public async Task Dump()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            await mqtt.PublishAsync("sync/rows/batch", "{not json");
            await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 3)));
            await Task.Delay(1000);
            using var client = Node.CreateClient();
            File.WriteAllText("/tmp/obs-metrics.txt", await client.GetStringAsync("/metrics"));
            var req = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            req.Headers.Accept.ParseAdd("application/openmetrics-text");
            File.WriteAllText("/tmp/obs-metrics-om.txt", await (await client.SendAsync(req)).Content.ReadAsStringAsync());
        }
    }
}
