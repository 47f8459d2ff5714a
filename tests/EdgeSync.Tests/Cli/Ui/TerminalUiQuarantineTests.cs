using System.Net;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Cli.Ui;

/// <summary>
/// The quarantine of a lineage, as the operator reaches it from the list with Q, and the two ways rows move
/// between it and staging: X on a staged row discards it, u on a quarantined row stages it again.
/// </summary>
public sealed partial class TerminalUiTests
{
    [Fact]
    public async Task Q_on_a_lineage_shows_the_rows_an_operator_discarded_with_their_reason()
    {
        var (device, api, lineageId) = await PausedLineageWithStagedRowsAsync();
        var epoch = (await StagedRowsAsync(api, device.ProjectId, lineageId))[0].GetProperty("journal_epoch").GetGuid();
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

    [Fact]
    public async Task X_on_a_staged_row_discards_it_with_the_reason_typed_and_Esc_on_the_prompt_sends_nothing()
    {
        var (device, api, lineageId) = await PausedLineageWithStagedRowsAsync();
        using var ui = StartUi(device.ProjectId);
        await ui.WaitUntilAsync(s => s.Contains(device.Name) && s.Contains("3 ("), "the lineage with three staged rows");
        ui.Press("d");
        await ui.WaitForAsync("3 staged rows");

        // ↓ to seq 2, X: the prompt names the row; Esc cancels and nothing is sent.
        ui.Press("Down");
        ui.Press("X");
        Keep("discard-prompt", await ui.WaitForAsync("""Discard seq 2 (insert, pk {"id":2})"""));
        ui.Press("Escape");
        await ui.WaitForAsync("Not discarded.");
        Assert.Empty(await QuarantinedRowsAsync(api, device.ProjectId, lineageId));
        Assert.Equal(3, (await api.LineageAsync(lineageId)).GetProperty("counters").GetProperty("staged_row_count").GetInt64());

        // Enter without a reason: the API requires one, so the prompt's answer is refused before anything is sent.
        ui.Press("X");
        await ui.WaitForAsync("Discard seq 2 (");
        ui.Press("Enter");
        await ui.WaitForAsync("Not discarded: a reason is required.");
        Assert.Empty(await QuarantinedRowsAsync(api, device.ProjectId, lineageId));

        // X, a reason, Enter: the row is in the quarantine with that reason, one staged row fewer, the page reloaded.
        ui.Press("X");
        await ui.WaitForAsync("Discard seq 2 (");
        ui.Type("wrong unit");
        ui.Press("Enter");
        var after = await ui.WaitUntilAsync(s => s.Contains("Discarded seq 2: the lineage is paused (schema_review), 2 rows staged.")
            && s.Contains("2 staged rows"), "the discard and the reloaded page");
        Assert.DoesNotContain("""{"id":2,"mode":"heating","setpoint":20.5}""", after);
        Keep("discarded", after);

        var quarantined = Assert.Single(await QuarantinedRowsAsync(api, device.ProjectId, lineageId));
        Assert.Equal(2, quarantined.GetProperty("source_commit_seq").GetInt64());
        Assert.Equal("wrong unit", quarantined.GetProperty("reason").GetString());
        Assert.Equal(2, (await api.LineageAsync(lineageId)).GetProperty("counters").GetProperty("staged_row_count").GetInt64());
        Assert.DoesNotContain(2L, (await StagedRowsAsync(api, device.ProjectId, lineageId)).Select(r => r.GetProperty("source_commit_seq").GetInt64()));

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    [Fact]
    public async Task U_on_a_quarantined_row_stages_it_again_after_the_confirmation()
    {
        var (device, api, lineageId) = await PausedLineageWithStagedRowsAsync();
        var epoch = (await StagedRowsAsync(api, device.ProjectId, lineageId))[0].GetProperty("journal_epoch").GetGuid();
        var discard = new { journal_epoch = epoch, commit_seqs = new[] { 2L }, reason = "wrong unit" };
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/lineages/{lineageId}/staged-rows/discard", discard)).StatusCode);
        using var ui = StartUi(device.ProjectId);
        await ui.WaitUntilAsync(s => s.Contains(device.Name) && s.Contains("2 ("), "the lineage with two staged rows left");
        ui.Press("Q");
        await ui.WaitForAsync("1 quarantined rows");

        // u: the confirmation names the row and opens on Requeue; Enter sends it.
        ui.Press("u");
        Keep("requeue-confirmation", await ui.WaitForAsync("""Stage seq 2 (insert, pk {"id":2})"""));
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => s.Contains("Requeued seq 2: the lineage is paused (schema_review), 3 rows staged.")
            && s.Contains("No quarantined rows."), "the requeue and the reloaded, empty quarantine");

        Assert.Empty(await QuarantinedRowsAsync(api, device.ProjectId, lineageId));
        Assert.Equal(3, (await api.LineageAsync(lineageId)).GetProperty("counters").GetProperty("staged_row_count").GetInt64());
        Assert.Contains(2L, (await StagedRowsAsync(api, device.ProjectId, lineageId)).Select(r => r.GetProperty("source_commit_seq").GetInt64()));

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    private static async Task<List<JsonElement>> StagedRowsAsync(EdgeApi api, Guid projectId, Guid lineageId) =>
        (await api.Client.GetJsonAsync($"/core/api/v1/projects/{projectId}/edge/lineages/{lineageId}/staged-rows"))
            .GetProperty("data").EnumerateArray().ToList();

    private static async Task<List<JsonElement>> QuarantinedRowsAsync(EdgeApi api, Guid projectId, Guid lineageId) =>
        (await api.Client.GetJsonAsync($"/core/api/v1/projects/{projectId}/edge/lineages/{lineageId}/quarantined-rows"))
            .GetProperty("data").EnumerateArray().ToList();
}
