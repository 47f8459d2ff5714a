using EdgeSync.Lineages;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace EdgeSync.Tests.Ingest;

/// <summary>Two nodes of one cluster share the lineage grains: a device may land on either.</summary>
public sealed class TwoSiloTests : IAsyncLifetime
{
    private readonly NodeFixture _first = new();
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>? _second;
    private readonly int _secondMqttPort = FreePort.Next();

    public async Task InitializeAsync()
    {
        await _first.InitializeAsync();
        _second = _first.StartPeer(_secondMqttPort);
        _ = _second.Server;
    }

    [Fact]
    public async Task Batches_through_either_node_reach_the_same_lineage_grain()
    {
        var management = _first.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await management.GetHosts(onlyActive: true)).Count < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal(2, (await management.GetHosts(onlyActive: true)).Count);

        var device = await Fleet.RegisterDeviceAsync(_first);
        var payloads = new BatchPayloads();
        await using (var viaSecond = await TestDevice.ConnectAsync(_secondMqttPort, device.Name, device.Username, device.Secret, device.TopicRoot))
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await viaSecond.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1, 2)))).ReasonCode);
        await using (var viaFirst = await device.ConnectAsync(_first))
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await viaFirst.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(2, 3), withColumns: false))).ReasonCode);

        var key = ILineageGrain.KeyOf(device.DeviceId, payloads.Table);
        var fromFirst = await _first.Services.GetRequiredService<IGrainFactory>().GetGrain<ILineageGrain>(key).GetLineageId();
        var fromSecond = await _second!.Services.GetRequiredService<IGrainFactory>().GetGrain<ILineageGrain>(key).GetLineageId();
        Assert.NotNull(fromFirst);
        Assert.Equal(fromFirst, fromSecond);

        using var viewer = _first.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var staged = await viewer.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{fromFirst}/staged-rows");
        Assert.Equal([1L, 2, 3, 4], staged.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));
    }

    public async Task DisposeAsync()
    {
        if (_second is not null)
            await _second.DisposeAsync();
        await _first.DisposeAsync();
    }
}
