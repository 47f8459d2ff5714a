using System.Net;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Cli.Ui;

/// <summary>
/// The interactive UI (<c>edgesync</c> with no subcommand) in a real terminal: tmux runs the built
/// edgesync.dll against a node listening on TCP; the test types keys and reads the screen, and
/// checks outcomes through the API (or the database), never timings.
/// </summary>
[Collection(TerminalUiCollection.Name)]
public sealed partial class TerminalUiTests(TerminalUiFixture fixture, ITestOutputHelper output)
{
    private NodeFixture Node => fixture.Node;

    [Fact]
    public async Task An_operator_opens_a_lineage_pages_its_staged_and_written_rows_and_deletes_it_after_confirming()
    {
        var (device, api, lineageId) = await PausedLineageWithStagedRowsAsync();
        using var ui = StartUi(device.ProjectId);

        // The list: the lineage with its device, table, status, pause reason and staged count.
        var list = await ui.WaitUntilAsync(s => s.Contains(device.Name) && s.Contains("schema_review") && s.Contains("3 ("), "the lineage in the list");
        Assert.Contains("device_state", list);
        Keep("lineage-list", list);

        // Enter: the detail, as `edgesync lineages get` prints it.
        ui.Press("Enter");
        var detail = await ui.WaitUntilAsync(s => s.Contains($"Lineage — {device.Name} / device_state") && s.Contains("Status         paused"), "the lineage detail");
        Assert.Contains("Pause reasons  schema_review", detail);
        Assert.Contains("staged_row_count         3", detail);
        Assert.Contains("Open review    ", detail);
        Keep("lineage-detail", detail);

        // d: the staged rows with their values.
        ui.Press("d");
        var staged = await ui.WaitForAsync("3 staged rows");
        Assert.Contains("""{"id":1,"mode":"cooling","setpoint":20}""", staged);
        Assert.Contains("""{"id":2,"mode":"heating","setpoint":20.5}""", staged);
        Assert.Contains("schema_review", staged);
        Keep("staged-rows", staged);
        await BackToDetailAsync(ui);

        // w before approval: the API's 404 mirror_not_provisioned, explained on the screen.
        ui.Press("w");
        await ui.WaitForAsync("No rows written yet");
        await BackToDetailAsync(ui);

        // x on a lineage whose breaker has not tripped: the API's 409 in a message box; the UI keeps running.
        ui.Press("x");
        await ui.WaitForAsync("lineage_not_tripped");
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => !s.Contains("┥Error┝"), "the error box to close");

        // Approved (over the API here; the review screen's own approval is the next test): w shows the mirror rows.
        var review = await api.OpenReviewAsync(lineageId);
        await api.ApproveAsync(review.GetProperty("id").GetGuid(),
            [new { source_column_name = "id", action = "mirror" }, new { source_column_name = "mode", action = "mirror" }, new { source_column_name = "setpoint", action = "mirror" }]);
        var mirrorTable = (await api.WaitForBacklogDrainedAsync(lineageId)).GetProperty("mirror").GetProperty("name").GetString()!;
        ui.Press("w");
        var written = await ui.WaitForAsync("3 written rows");
        Assert.Contains("heating", written);
        Assert.Contains("20.5", written);
        Keep("written-rows", written);
        await BackToDetailAsync(ui);

        // Esc back to the list, D, tick "drop the mirror table", Tab to Delete, Enter.
        ui.Press("Escape");
        await ui.WaitForAsync("Lineages — page");
        ui.Press("D");
        await ui.WaitForAsync($"Delete the lineage of {device.Name} / device_state?");
        ui.Press("Space");
        await ui.WaitForAsync("☑");
        ui.Press("Tab");
        ui.Press("Enter");
        await ui.WaitForAsync($"Deleted the lineage of {device.Name} / device_state");

        var gone = await api.Client.GetAsync($"/core/api/v1/projects/{device.ProjectId}/edge/lineages/{lineageId}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.False(await TableExistsAsync(mirrorTable), $"the mirror table {mirrorTable} was dropped");
    }

    [Fact]
    public async Task Approving_a_review_from_its_screen_with_a_mapped_column_fills_the_mirror()
    {
        var (device, api, lineageId) = await PausedLineageWithStagedRowsAsync();
        using var ui = StartUi(device.ProjectId);
        await ui.WaitForAsync(device.Name);

        // Edge Sync → Schema Reviews, Enter on the queued review: its proposed columns.
        ui.Press("2");
        await ui.WaitUntilAsync(s => s.Contains("Schema reviews (every state)") && s.Contains("queued"), "the queued review");
        ui.Press("Enter");
        var reviewScreen = await ui.WaitForAsync("Proposed columns (3)");
        Assert.Contains("setpoint", reviewScreen);

        // a: one row per column, prefilled (all mirrored); setpoint becomes map → hvac.setpoint.
        ui.Press("a");
        var dialog = await ui.WaitForAsync("Approve schema — device_state");
        Assert.Contains("id (INTEGER, key)", dialog);
        // Each key once its effect shows: the ▸ marks the action field that has the focus (mode's, first).
        await ui.WaitUntilAsync(s => Line(s, "mode (TEXT)").Contains("▸mirror"), "the focus on mode's action");
        ui.Press("Tab");
        ui.Press("Tab");
        await ui.WaitUntilAsync(s => Line(s, "setpoint (REAL)").Contains("▸mirror"), "the focus on setpoint's action");
        ui.Press("Down");
        await ui.WaitUntilAsync(s => Line(s, "setpoint (REAL)").Contains("▸map"), "setpoint's action to be map");

        // Enter with map but no data point: refused in the dialog, which stays open with what was chosen; nothing is sent.
        ui.Press("Enter");
        var refused = await ui.WaitForAsync("setpoint: map needs a data point in its target field.");
        Assert.Contains("Approve schema — device_state", refused);
        Assert.Contains("map", Line(refused, "setpoint (REAL)"));
        await AssertNotApprovedAsync(api, lineageId);

        // Esc after the refusal cancels: still nothing approved.
        ui.Press("Escape");
        await ui.WaitUntilAsync(s => s.Contains("Not approved.") && !s.Contains("Approve schema — device_state"), "the dialog cancelled");
        await AssertNotApprovedAsync(api, lineageId);

        // a again: refused once more, then the data point typed into the same dialog, Enter.
        ui.Press("a");
        await ui.WaitUntilAsync(s => Line(s, "mode (TEXT)").Contains("▸mirror"), "the dialog again, focus on mode's action");
        Assert.DoesNotContain("map needs a data point", ui.Screen());
        ui.Press("Tab");
        ui.Press("Tab");
        await ui.WaitUntilAsync(s => Line(s, "setpoint (REAL)").Contains("▸mirror"), "the focus on setpoint's action");
        ui.Press("Down");
        await ui.WaitUntilAsync(s => Line(s, "setpoint (REAL)").Contains("▸map"), "setpoint's action to be map");
        ui.Press("Enter");
        await ui.WaitForAsync("setpoint: map needs a data point in its target field.");
        // The refused dialog is back with the focus on the field to fix: typing goes straight into setpoint's target.
        await ui.WaitUntilAsync(s => Line(s, "setpoint (REAL)").Contains("map") && !s.Contains("▸"), "the focus on setpoint's target");
        ui.Type("hvac.setpoint");
        await ui.WaitUntilAsync(s => Line(s, "setpoint (REAL)").Contains("hvac.setpoint"), "the data point typed");
        ui.Press("Enter");
        await ui.WaitForAsync("Approved: rows of device_state go to mirror table");
        await ui.WaitForAsync("(approved)");

        // The API agrees: approved, the staged rows replayed into the mirror, setpoint not a mirror column.
        var lineage = await api.WaitForBacklogDrainedAsync(lineageId);
        Assert.Equal("active", lineage.GetProperty("status").GetString());
        Assert.Contains(lineage.GetProperty("bindings").EnumerateArray(),
            b => b.GetProperty("source_column").GetString() == "setpoint" && b.GetProperty("action").GetString() == "map" && b.GetProperty("data_point").GetString() == "hvac.setpoint");
        var mirror = await api.MirrorRowsAsync(lineageId);
        Assert.Equal([1L, 2L, 3L], mirror.Select(r => r.GetProperty("id").GetInt64()).Order());
        Assert.Equal(["cooling", "heating", "cooling"], mirror.OrderBy(r => r.GetProperty("id").GetInt64()).Select(r => r.GetProperty("mode").GetString()));
        Assert.All(mirror, r => Assert.False(r.TryGetProperty("setpoint", out _)));

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    [Fact]
    public async Task Without_saved_settings_the_login_dialog_checks_them_with_the_API_and_saves_them_for_the_owner_only()
    {
        var project = await Fleet.CreateProjectAsync(Node);
        var config = Directory.CreateTempSubdirectory("edgesync-ui-").FullName;
        using var ui = TmuxTerminal.Start(new Dictionary<string, string> { ["EDGESYNC_CONFIG_DIR"] = config, ["EDGESYNC_API_URL"] = Node.HttpAddress },
            Dotnet, EdgesyncDll);

        await ui.WaitForAsync("Log in to EdgeSync");
        ui.Press("Tab");
        ui.Type(Node.MintToken($"{project}:PROJECT_CAN_VIEW_DEVICES"));
        ui.Press("Tab");
        ui.Type(project.ToString());
        ui.Press("Enter");
        await ui.WaitForAsync("Lineages — page 1 of 1, 0 in the project");

        var file = Path.Combine(config, "config.json");
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        using var saved = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        Assert.Equal(project.ToString(), saved.RootElement.GetProperty("project_id").GetString());
        Assert.Equal(Node.HttpAddress, saved.RootElement.GetProperty("api_url").GetString());
        Assert.False(string.IsNullOrEmpty(saved.RootElement.GetProperty("token").GetString()));

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    // The test project references src/Cli, so the built tool sits next to the tests.
    private static string EdgesyncDll => Path.Combine(AppContext.BaseDirectory, "edgesync.dll");

    private TmuxTerminal StartUi(Guid projectId) => TmuxTerminal.Start(new Dictionary<string, string>
    {
        ["EDGESYNC_CONFIG_DIR"] = Directory.CreateTempSubdirectory("edgesync-ui-").FullName,
        ["EDGESYNC_API_URL"] = Node.HttpAddress,
        ["EDGESYNC_TOKEN"] = Node.MintToken($"{projectId}:PROJECT_CAN_MANAGE_DEVICES"),
        ["EDGESYNC_PROJECT"] = projectId.ToString(),
    }, Dotnet, EdgesyncDll);

    /// <summary>
    /// A device (in a new project unless <paramref name="projectId"/> is given) whose first batch of
    /// <paramref name="table"/> (<paramref name="rows"/> rows) waits in staging behind a queued schema review.
    /// </summary>
    private async Task<(RegisteredDevice Device, EdgeApi Api, Guid LineageId)> PausedLineageWithStagedRowsAsync(
        Guid? projectId = null, string table = "device_state", int rows = 3)
    {
        var device = await Fleet.RegisterDeviceAsync(Node, projectId, name: $"gw-ui-{Guid.NewGuid():N}"[..14]);
        var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(Node);
        var published = await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads(table).BatchJson(BatchPayloads.Inserts(1, rows)));
        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        var lineage = await api.LineageOfAsync(device.DeviceId, table);
        Assert.Equal(rows, lineage.GetProperty("staged_row_count").GetInt64());
        return (device, api, lineage.GetProperty("id").GetGuid());
    }

    /// <summary>The review is still queued and undecided, the lineage still paused behind it.</summary>
    private static async Task AssertNotApprovedAsync(EdgeApi api, Guid lineageId)
    {
        var lineage = await api.LineageAsync(lineageId);
        Assert.Equal("paused", lineage.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, lineage.GetProperty("mirror").ValueKind);
        Assert.Equal("queued", (await api.OpenReviewAsync(lineageId)).GetProperty("state").GetString());
    }

    private static async Task BackToDetailAsync(TmuxTerminal ui)
    {
        ui.Press("Escape");
        await ui.WaitUntilAsync(s => s.Contains("Status         ") && !s.Contains("rows —"), "the lineage detail again");
    }

    private static string Line(string screen, string containing) =>
        screen.Split('\n').FirstOrDefault(l => l.Contains(containing, StringComparison.Ordinal)) ?? "";

    private void Keep(string name, string screen) => output.WriteLine($"screen {name}: {Screens.Save(name, screen)}");

    private async Task<bool> TableExistsAsync(string table)
    {
        await using var db = new NpgsqlConnection(Node.ConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_name = @t", db);
        command.Parameters.AddWithValue("t", table);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
