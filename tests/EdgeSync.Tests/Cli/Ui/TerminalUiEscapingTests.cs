using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Cli.Ui;

public sealed partial class TerminalUiTests
{
    [Fact]
    public async Task Column_names_and_values_carrying_terminal_escapes_are_shown_escaped_in_the_UI()
    {
        const string Hostile = "\u001b[31mred\u001b[0m";
        var device = await Fleet.RegisterDeviceAsync(Node, name: $"gw-ui-{Guid.NewGuid():N}"[..14]);
        using var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            using var source = new SqliteSource("escapes", $"id INTEGER PRIMARY KEY NOT NULL, {SqliteSource.Quote(Hostile)} TEXT");
            source.Upsert(new Dictionary<string, object?> { ["id"] = 1L, [Hostile] = $"value {Hostile}" });
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        }
        using var ui = StartUi(device.ProjectId);
        await ui.WaitUntilAsync(s => s.Contains(device.Name) && s.Contains("escapes"), "the lineage in the list");

        // The review's proposed columns name the column as text, not as a colour change.
        ui.Press("2");
        await ui.WaitUntilAsync(s => s.Contains("Schema reviews (every state)") && s.Contains("queued"), "the queued review");
        ui.Press("Enter");
        var review = await ui.WaitForAsync("Proposed columns (2)");
        Keep("review-with-escapes", review);
        // Aligned as any other name: escaped before it is padded.
        Assert.Matches(@"\\u001B\[31mred\\u001B\[0m +TEXT", Line(review, "31mred"));

        // The staged row shows the value escaped as well.
        ui.Press("Escape");
        await ui.WaitUntilAsync(s => !s.Contains("Proposed columns"), "the review list again");
        ui.Press("1");
        await ui.WaitUntilAsync(s => s.Contains("Lineages — page"), "the lineage list");
        ui.Press("Enter");
        await ui.WaitForAsync("Lineage — ");
        ui.Press("d");
        var staged = await ui.WaitForAsync("1 staged rows");
        Keep("staged-with-escapes", staged);
        Assert.Contains("value \\u001B[31mred", staged);

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    [Fact]
    public async Task A_registry_decision_shows_a_column_name_carrying_terminal_escapes_escaped_and_in_line_with_the_others()
    {
        const string Hostile = "\u001b[31mred\u001b[0m";
        var device = await Fleet.RegisterDeviceAsync(Node, name: $"gw-ui-{Guid.NewGuid():N}"[..14]);
        using var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            using var source = new SqliteSource("escapes", $"id INTEGER PRIMARY KEY NOT NULL, {SqliteSource.Quote(Hostile)} TEXT");
            source.Upsert(new Dictionary<string, object?> { ["id"] = 1L, [Hostile] = "value" });
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        }
        var lineage = await api.LineageOfAsync(device.DeviceId, "escapes");
        var review = (await api.OpenReviewAsync(lineage.GetProperty("id").GetGuid())).GetProperty("id").GetGuid();
        using (var response = await api.PostAsync($"/schema-reviews/{review}/approve", new
        {
            action_version = 1,
            scope = "project",
            column_actions = new object[] { new { source_column_name = "id", action = "mirror" }, new { source_column_name = Hostile, action = "ignore" } },
        }))
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var ui = StartUi(device.ProjectId);
        await ui.WaitForAsync(device.Name);

        ui.Press("4");
        await ui.WaitUntilAsync(s => s.Contains("Registry decisions — page 1 of 1, 1 decisions") && Line(s, "escapes").Contains("in force"), "the decision");
        ui.Press("Enter");
        var detail = await ui.WaitForAsync("Column actions (2)");
        Keep("registry-decision-with-escapes", detail);
        var hostile = Line(detail, "31mred");
        Assert.Matches(@"\\u001B\[31mred\\u001B\[0m +ignore", hostile);
        // Escaped before it is padded: the actions start in one column.
        Assert.Equal(hostile.IndexOf("ignore", StringComparison.Ordinal), Line(detail, "  id  ").IndexOf("mirror", StringComparison.Ordinal));

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }
}
