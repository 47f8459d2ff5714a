using System.Net;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Cli.Ui;

/// <summary>The quarantine of a lineage, as the operator reaches it from the list with Q.</summary>
public sealed partial class TerminalUiTests
{
    [Fact]
    public async Task Q_on_a_lineage_shows_the_rows_an_operator_discarded_with_their_reason()
    {
        var (device, api, lineageId) = await PausedLineageWithStagedRowsAsync();
        var epoch = (await api.Client.GetJsonAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows"))
            .GetProperty("data")[0].GetProperty("journal_epoch").GetGuid();
        var discard = new { journal_epoch = epoch, commit_seqs = new[] { 2L }, reason = "wrong unit" };
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/lineages/{lineageId}/staged-rows/discard", discard)).StatusCode);
        using var ui = StartUi(device.ProjectId);
        await ui.WaitUntilAsync(s => s.Contains(device.Name) && s.Contains("2 ("), "the lineage with two staged rows left");

        ui.Press("Q");
        var quarantine = await ui.WaitForAsync("1 quarantined rows");
        Assert.Contains("""{"id":2,"mode":"heating","setpoint":20.5}""", quarantine);
        Assert.Contains("discarded", quarantine);
        Assert.Contains("wrong unit", quarantine);
        Keep("quarantined-rows", quarantine);

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }
}
