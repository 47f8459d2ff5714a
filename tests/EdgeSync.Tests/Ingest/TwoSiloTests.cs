using System.Net.Http.Headers;
using System.Net.Http.Json;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Ingest;

/// <summary>Two processes of the same binary form one cluster and share the lineage grains: a device may land on either.</summary>
public sealed class TwoSiloTests
{
    private const string Api = "/core/api/v1/projects";

    [Fact]
    public async Task Batches_through_either_node_reach_the_same_lineage()
    {
        var database = await TestDatabase.CreateAsync();
        var (firstPorts, secondPorts) = (NodeProcess.Ports.Free(), NodeProcess.Ports.Free());
        await using var first = await NodeProcess.StartAsync(database, firstPorts);
        await using var second = await NodeProcess.StartAsync(database, secondPorts);
        Assert.Equal(2, await ActiveSilosAsync(database));

        var token = DevTokens.Mint(new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build(), ["PLATFORM_ADMIN"]);
        using var viaFirst = Http(firstPorts, token);
        using var viaSecond = Http(secondPorts, token);
        var device = await Fleet.RegisterDeviceAsync(viaFirst);

        var payloads = new BatchPayloads();
        await using (var mqtt = await TestDevice.ConnectAsync(secondPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot))
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1, 2)))).ReasonCode);
        await using (var mqtt = await TestDevice.ConnectAsync(firstPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot))
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(2, 3), withColumns: false))).ReasonCode);

        var lineages = await viaSecond.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}");
        var lineage = Assert.Single(lineages.GetProperty("data").EnumerateArray());
        var lineageId = lineage.GetProperty("id").GetGuid();
        var staged = await viaSecond.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows");
        Assert.Equal([1L, 2, 3, 4], staged.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));

        // A control issued through one node reaches the device on the node it is connected to.
        await using var listening = await TestDevice.ConnectAsync(secondPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
        await listening.ListenForControlsAsync();
        var pause = new HttpRequestMessage(HttpMethod.Post, $"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/pause") { Content = JsonContent.Create(new { reason = "cross-node" }) };
        pause.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.True((await viaFirst.SendAsync(pause)).IsSuccessStatusCode);
        var control = await listening.WaitForControlAsync("pause_lineage");
        Assert.Equal("cross-node", control.GetProperty("reason").GetString());
    }

    private static HttpClient Http(NodeProcess.Ports ports, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<long> ActiveSilosAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM orleansmembershiptable WHERE status = 3", connection);
            var active = (long)(await command.ExecuteScalarAsync())!;
            if (active >= 2 || DateTime.UtcNow > deadline)
                return active;
            await Task.Delay(200);
        }
    }
}
