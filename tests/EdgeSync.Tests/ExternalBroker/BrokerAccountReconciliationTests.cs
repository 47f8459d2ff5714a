using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.ExternalBroker;

/// <summary>
/// A starting node brings the broker's device accounts in line with the registry, and touches no
/// other account. A broker of its own: the second node it starts keeps a share of the uplinks.
/// </summary>
public sealed class BrokerAccountReconciliationTests(ExternalBrokerFixture fixture) : IClassFixture<ExternalBrokerFixture>
{
    private const string Api = "/core/api/v1/projects";

    [Fact]
    public async Task A_starting_node_recreates_a_device_account_deleted_behind_its_back_and_deletes_accounts_of_no_device()
    {
        var broker = fixture.Broker;
        var device = await Fleet.RegisterDeviceAsync(fixture.Node);
        Assert.NotNull(await broker.ClientAsync(device.Username));
        var deleted = await broker.CommandAsync(new JsonObject { ["command"] = "deleteClient", ["username"] = device.Username });
        Assert.False(deleted.TryGetProperty("error", out _), deleted.ToString());
        // A managed account whose device is gone, and an operator's own account.
        var stray = $"gone/gw-{Guid.NewGuid():N}"[..16];
        var operatorAccount = $"operator-{Guid.NewGuid():N}"[..17];
        await broker.CommandAsync(new JsonObject { ["command"] = "createClient", ["username"] = stray, ["password"] = "x", ["textname"] = "edgesync device" });
        await broker.CommandAsync(new JsonObject { ["command"] = "createClient", ["username"] = operatorAccount, ["password"] = "x" });

        await using var peer = fixture.Node.StartPeer(FreePort.Next(), new Dictionary<string, string?> { ["Node:Name"] = "node-2" });
        _ = peer.Server;

        var recreated = await Eventually.GetAsync(() => broker.ClientAsync(device.Username), c => c is not null, TimeSpan.FromSeconds(20), "the account to be recreated");
        Assert.Equal(device.Username, recreated!.Value.GetProperty("clientid").GetString());
        Assert.Contains(recreated.Value.GetProperty("roles").EnumerateArray(), r => r.GetProperty("rolename").GetString() == $"edgesync-device:{device.Username}");
        await Eventually.GetAsync(() => broker.ClientAsync(stray), c => c is null, TimeSpan.FromSeconds(20), "the stray account to be deleted");
        Assert.NotNull(await broker.ClientAsync(operatorAccount));
        Assert.NotNull(await broker.ClientAsync(broker.NodeUsername));
        Assert.NotNull(await broker.ClientAsync("admin"));

        // The service keeps no secret in clear: the recreated account opens with the next rotated secret, not the old one.
        var (_, withOld) = await TestDevice.TryConnectAsync(broker.Port, device.Username, device.Username, device.Secret, device.TopicRoot);
        Assert.NotEqual(MqttClientConnectResultCode.Success, withOld.ResultCode);
        using var manager = fixture.Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES");
        var rotated = await Fleet.ReadDataAsync(await manager.PostAsync($"{Api}/{device.ProjectId}/devices/{device.DeviceId}/rotate-secret", null));
        await using var connected = await fixture.ConnectAsync(device, rotated.GetProperty("secret").GetString());
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await connected.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)))).ReasonCode);
    }
}
