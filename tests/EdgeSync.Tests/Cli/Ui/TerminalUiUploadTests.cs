using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Cli.Ui;

public sealed partial class TerminalUiTests
{
    [Fact]
    public async Task The_lineage_detail_shows_the_uploads_of_the_lineage()
    {
        var (device, api, _) = await PausedLineageWithStagedRowsAsync();
        using var __ = api;
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            await mqtt.ListenForControlsAsync();
            await mqtt.PublishAsync("sync/ingest/request", """{"format_version":1,"request_kind":"url_request","source_table":"device_state","segment_kind":"payload_spill"}""");
            await mqtt.WaitForControlAsync("url_grant");
        }
        using var ui = StartUi(device.ProjectId);
        await ui.WaitUntilAsync(s => s.Contains(device.Name) && s.Contains("schema_review"), "the lineage in the list");

        ui.Press("Enter");
        var detail = await ui.WaitUntilAsync(s => s.Contains("Uploads (1)"), "the lineage detail with its upload");
        Assert.Contains("payload_spill", detail);
        Assert.Contains("granted", detail);
        Assert.Contains("Pending snapshots (0)", detail);
        Keep("lineage-detail-uploads", detail);
    }
}
