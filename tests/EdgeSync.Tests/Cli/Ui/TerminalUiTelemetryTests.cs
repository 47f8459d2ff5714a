using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Cli.Ui;

/// <summary>A telemetry lineage in the terminal UI: its kind in the list, its batch_seq in the detail.</summary>
public sealed partial class TerminalUiTests
{
    [Fact]
    public async Task The_lineages_screen_shows_a_telemetry_lineage_with_its_kind_and_the_detail_its_batch_seq()
    {
        var device = await Fleet.RegisterDeviceAsync(Node, name: $"gw-ts-{Guid.NewGuid():N}"[..14]);
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            var payloads = new TelemetryPayloads();
            var start = new DateTimeOffset(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(4, TelemetryPayloads.Rows(start, 1, 2)).ToJsonString())).ReasonCode);
        }
        using var ui = StartUi(device.ProjectId);

        var list = await ui.WaitUntilAsync(s => s.Contains(device.Name) && s.Contains("readings"), "the telemetry lineage in the list");
        Assert.Contains("KIND", list);
        Assert.Contains("telemetry", list);
        Assert.Contains("batch 4", list);
        Keep("lineage-list-telemetry", list);

        ui.Press("Enter");
        var detail = await ui.WaitUntilAsync(s => s.Contains($"Lineage — {device.Name} / readings"), "the lineage detail");
        Assert.Contains("Kind           telemetry (timestamp column taken_at)", detail);
        Assert.Contains("Batch seq      4 (highest accepted; 0 skipped)", detail);
        Keep("lineage-detail-telemetry", detail);

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }
}
