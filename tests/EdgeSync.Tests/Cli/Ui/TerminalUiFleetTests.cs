using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Cli.Ui;

/// <summary>
/// The fleet screens: Schema Groups (one row per waiting table schema, f approves it for the project) and
/// Registry Decisions (the standing decisions, v revokes one) — driven in tmux, checked through the API.
/// </summary>
public sealed partial class TerminalUiTests
{
    [Fact]
    public async Task F_on_a_schema_group_approves_every_waiting_lineage_under_one_registry_decision_with_the_chosen_layout()
    {
        // Three devices of one project wait on the same schema of a table no other run has coalesced.
        var table = $"meter_{Guid.NewGuid():N}"[..14];
        var (first, api, firstLineage) = await PausedLineageWithStagedRowsAsync(table: table);
        var lineages = new List<Guid> { firstLineage };
        for (var i = 0; i < 2; i++)
            lineages.Add((await PausedLineageWithStagedRowsAsync(first.ProjectId, table: table)).LineageId);
        using var ui = StartUi(first.ProjectId);
        await ui.WaitForAsync(first.Name);

        // 3: one group, three lineages on three devices, nine staged rows.
        ui.Press("3");
        var groups = await ui.WaitUntilAsync(s => s.Contains("[ 3 Schema Groups ]") && s.Contains("— page 1 of 1, 1 groups") && Line(s, table).Length > 0, "the group");
        Assert.Matches($@"{table} +[0-9a-f]{{12}} +\S+ +3 +3 +9 \(", Line(groups, table));
        Keep("schema-groups", groups);

        // f: the approve dialog for the fleet, prefilled as for one review; the layout is chosen below the columns.
        ui.Press("f");
        var dialog = await ui.WaitForAsync($"Approve for the fleet — {table}");
        Assert.Contains("3 lineage(s) on 3 device(s)", dialog);
        await ui.WaitUntilAsync(s => Line(s, "mode (TEXT)").Contains("▸mirror"), "the focus on mode's action");
        // mode's target, setpoint's action, setpoint's target, then the layout.
        ui.Press("Tab");
        ui.Press("Tab");
        ui.Press("Tab");
        ui.Press("Tab");
        await ui.WaitForAsync("▸default");
        // per_device with a table name for the whole fleet: refused in the dialog, which reopens on the name; nothing is sent.
        ui.Press("Down");
        await ui.WaitForAsync("▸per_device");
        ui.Press("Tab");
        ui.Type("fleet_meters");
        await ui.WaitForAsync("fleet_meters");
        ui.Press("Enter");
        await ui.WaitForAsync("A mirror table name is for the coalesced layout only");
        // Esc: cancelled, still nothing approved.
        ui.Press("Escape");
        await ui.WaitUntilAsync(s => s.Contains("Not approved.") && !s.Contains("Approve for the fleet —"), "the dialog cancelled");
        Assert.Equal("paused", (await api.LineageAsync(firstLineage)).GetProperty("status").GetString());
        Assert.Empty((await api.Client.GetJsonAsync($"/core/api/v1/projects/{first.ProjectId}/edge/registry/decisions")).GetProperty("data").EnumerateArray());

        // f again, to the layout: coalesced (the name left empty: derived from the table).
        ui.Press("f");
        await ui.WaitUntilAsync(s => Line(s, "mode (TEXT)").Contains("▸mirror") && !s.Contains("fleet_meters"), "a fresh dialog, focus on mode's action");
        ui.Press("Tab");
        ui.Press("Tab");
        ui.Press("Tab");
        ui.Press("Tab");
        await ui.WaitForAsync("▸default");
        ui.Press("Down");
        ui.Press("Down");
        Keep("fleet-approve-dialog", await ui.WaitForAsync("▸coalesced"));
        ui.Press("Enter");
        var approved = await ui.WaitForAsync($"Approved for the fleet: 3 review(s) of {table}, registry decision ");
        // The list reloads: the group is gone.
        await ui.WaitUntilAsync(s => s.Contains("— page 1 of 1, 0 groups") && !Regex.IsMatch(s, $@"{table} +[0-9a-f]{{12}}"), "the group gone");

        // The API agrees: one decision, coalesced, and every lineage active under it.
        var decision = Assert.Single((await api.Client.GetJsonAsync($"/core/api/v1/projects/{first.ProjectId}/edge/registry/decisions")).GetProperty("data").EnumerateArray());
        var decisionId = decision.GetProperty("decision_id").GetGuid();
        Assert.Contains($"registry decision {decisionId} (coalesced)", approved);
        Assert.Equal("coalesced", decision.GetProperty("mirror_layout").GetString());
        foreach (var lineageId in lineages)
        {
            var lineage = await api.WaitForBacklogDrainedAsync(lineageId);
            Assert.Equal("active", lineage.GetProperty("status").GetString());
            Assert.Equal(decisionId, lineage.GetProperty("registry_decision_id").GetGuid());
        }

        // r on the empty list: still nothing waiting.
        ui.Press("r");
        await ui.WaitForAsync("— page 1 of 1, 0 groups");
        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    [Fact]
    public async Task The_registry_screen_lists_a_fleet_decision_shows_its_column_actions_and_v_revokes_it_after_confirming()
    {
        var (first, api, firstLineage) = await PausedLineageWithStagedRowsAsync();
        var (_, _, secondLineage) = await PausedLineageWithStagedRowsAsync(first.ProjectId);
        var review = (await api.OpenReviewAsync(firstLineage)).GetProperty("id").GetGuid();
        using (var response = await api.PostAsync($"/schema-reviews/{review}/approve", new
        {
            action_version = 1,
            scope = "project",
            column_actions = new object[]
            {
                new { source_column_name = "id", action = "mirror" }, new { source_column_name = "mode", action = "mirror" },
                new { source_column_name = "setpoint", action = "map", data_point = "hvac.setpoint" },
            },
        }))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var decisionId = (await api.LineageAsync(secondLineage)).GetProperty("registry_decision_id").GetGuid();
        using var ui = StartUi(first.ProjectId);
        await ui.WaitForAsync(first.Name);

        // Tab walks every screen in turn, to the fourth.
        foreach (var tab in new[] { "[ 2 Schema Reviews ]", "[ 3 Schema Groups ]", "[ 4 Registry Decisions ]" })
        {
            ui.Press("Tab");
            await ui.WaitForAsync(tab);
        }
        // Shift+Tab goes back one, Tab forward again.
        ui.Press("BTab");
        await ui.WaitForAsync("[ 3 Schema Groups ]");
        ui.Press("Tab");
        await ui.WaitForAsync("[ 4 Registry Decisions ]");
        var list = await ui.WaitUntilAsync(s => s.Contains("Registry decisions — page 1 of 1, 1 decisions") && Line(s, "device_state").Contains("in force"), "the decision");
        Assert.Matches(@"device_state +[0-9a-f]{12} +per_device +in force +2/2 +completed", Line(list, "device_state"));
        Keep("registry-decisions", list);

        // Enter: its column actions.
        ui.Press("Enter");
        var detail = await ui.WaitForAsync("Column actions (3)");
        Assert.Contains($"Decision        {decisionId}", detail);
        Assert.Matches(@"setpoint +map +data point hvac\.setpoint", Line(detail, "hvac.setpoint"));
        Assert.Contains("Fan-out         completed: 2 of 2 waiting review(s) approved", detail);
        Keep("registry-decision", detail);
        ui.Press("Escape");
        await ui.WaitUntilAsync(s => s.Contains("Registry decisions — page 1 of 1") && !s.Contains("Column actions"), "the list again");

        // v, then Esc: nothing revoked.
        ui.Press("v");
        await ui.WaitForAsync("Revoke the registry decision for device_state (schema ");
        ui.Press("Escape");
        await ui.WaitForAsync("Not revoked.");
        Assert.True((await DecisionAsync(api, first.ProjectId, decisionId)).GetProperty("in_force").GetBoolean());

        // v, Enter: revoked, on the screen and in the API.
        ui.Press("v");
        Keep("revoke-prompt", await ui.WaitForAsync("Revoke the registry decision for device_state (schema "));
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => s.Contains("Revoked the registry decision for device_state") && Line(s, "device_state").Contains("revoked"), "the revocation");
        var revoked = await DecisionAsync(api, first.ProjectId, decisionId);
        Assert.False(revoked.GetProperty("in_force").GetBoolean());
        Assert.Equal(JsonValueKind.String, revoked.GetProperty("revoked_at").ValueKind);

        // v on a revoked decision: nothing to ask.
        ui.Press("v");
        await ui.WaitForAsync("This decision is already revoked");
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => !s.Contains("┥Error┝"), "the error box to close");

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    private static async Task<JsonElement> DecisionAsync(EdgeApi api, Guid projectId, Guid decisionId) =>
        (await api.Client.GetJsonAsync($"/core/api/v1/projects/{projectId}/edge/registry/decisions/{decisionId}")).GetProperty("data");
}
