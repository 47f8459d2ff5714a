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
}
