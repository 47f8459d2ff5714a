using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using MQTTnet;

namespace EdgeSync.Tests.ExternalBroker;

/// <summary>
/// The node acknowledges an uplink to the external broker only once it is durable: one it did not
/// acknowledge stays in its session at the broker and comes again, and the ledger stages it once.
/// </summary>
public sealed class ExternalBrokerDurabilityTests
{
    private const string Api = "/core/api/v1/projects";

    [Fact]
    public async Task A_node_killed_between_commit_and_PUBACK_gets_the_uplink_again_from_its_session_and_stages_it_once()
    {
        await using var broker = await SecuredMosquitto.StartAsync();
        var database = await TestDatabase.CreateAsync();
        var ports = NodeProcess.Ports.Free();
        var clusterId = $"ext-{Guid.NewGuid():N}"[..16];
        var settings = broker.NodeSettings("node-1").ToDictionary(s => s.Key, s => s.Value!);
        settings["Orleans:ClusterId"] = clusterId;
        var clientId = $"edgesync-{clusterId}-node-1";
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Mint(configuration, ["PLATFORM_ADMIN"]));
        var batch = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 4));

        RegisteredDevice device;
        string topic;
        await using (var crashing = await NodeProcess.StartAsync(database, ports, new Dictionary<string, string>(settings) { ["Mqtt:CrashBeforeAcknowledging"] = "true" }))
        {
            await broker.WaitForUplinkSubscriberAsync(clientId);
            device = await Fleet.RegisterDeviceAsync(http);
            topic = $"{device.TopicRoot}/sync/rows/batch";
            await using var mqtt = await TestDevice.ConnectAsync(broker.Port, device.Username, device.Username, device.Secret, device.TopicRoot);
            // The broker takes the batch from the device whatever becomes of the node.
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", batch)).ReasonCode);
            await crashing.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.Single(broker.Deliveries(clientId, topic));
        Assert.False(broker.Acknowledged(clientId, topic));

        await using (var restarted = await NodeProcess.StartAsync(database, ports, settings))
        {
            await Eventually.GetAsync(() => Task.FromResult(broker.Acknowledged(clientId, topic)), acknowledged => acknowledged,
                TimeSpan.FromSeconds(30), "the restarted node to acknowledge the batch");
            Assert.Equal([false, true], broker.Deliveries(clientId, topic).Select(d => d.Duplicate));
            var lineage = (await http.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}")).GetProperty("data")[0];
            var staged = await http.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineage.GetProperty("id").GetGuid()}/staged-rows");
            Assert.Equal([1L, 2, 3, 4], staged.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));
            Assert.Equal(4, lineage.GetProperty("staged_row_count").GetInt64());
        }
    }

    [Fact]
    public async Task An_uplink_that_cannot_be_made_durable_stays_unacknowledged_and_comes_again_when_the_node_reconnects()
    {
        await using var broker = await SecuredMosquitto.StartAsync();
        await using var postgres = await PrivatePostgres.StartAsync();
        var node = new NodeFixture { ConnectionString = postgres.ConnectionString };
        foreach (var (key, value) in broker.NodeSettings("node-1"))
            node.Settings[key] = value;
        await node.InitializeAsync();
        try
        {
            var clientId = $"edgesync-{node.ClusterId}-node-1";
            await broker.WaitForUplinkSubscriberAsync(clientId);
            var device = await Fleet.RegisterDeviceAsync(node);
            var topic = $"{device.TopicRoot}/sync/rows/batch";
            await using var mqtt = await TestDevice.ConnectAsync(broker.Port, device.Username, device.Username, device.Secret, device.TopicRoot);

            await postgres.StopServerAsync();
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 3)))).ReasonCode);
            await Eventually.GetAsync(() => Task.FromResult(broker.Deliveries(clientId, topic)), d => d.Count >= 2, TimeSpan.FromSeconds(30),
                "the broker to deliver the batch again after the node reconnected");
            Assert.False(broker.Acknowledged(clientId, topic));

            await postgres.StartServerAsync();
            await Eventually.GetAsync(() => Task.FromResult(broker.Acknowledged(clientId, topic)), acknowledged => acknowledged,
                TimeSpan.FromSeconds(60), "the batch to be acknowledged once PostgreSQL is back");
            Assert.All(broker.Deliveries(clientId, topic).Skip(1), d => Assert.True(d.Duplicate));
            using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
            var lineageId = (await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}"))
                .GetProperty("data")[0].GetProperty("id").GetGuid();
            var staged = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows");
            Assert.Equal([1L, 2, 3], staged.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));
            using var metrics = node.CreateClient();
            Assert.Matches("""edgesync_ingest_not_durable_total\{[^}]*uplink="sync/rows/batch"[^}]*\} [1-9]""", await metrics.GetStringAsync("/metrics"));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
