using EdgeSync.Cli.Output;
using EdgeSync.Escaping;
using EdgeSync.Tests.Agent;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace EdgeSync.Tests.Cli;

/// <summary>Control characters from device data never reach an operator's terminal raw: not through the CLI, the UI or the node's log.</summary>
[Collection(CliNodeCollection.Name)]
public sealed class TerminalSafetyTests(CliNodeFixture fixture)
{
    private const string Hostile = "\u001b[31mred\u001b]0;owned\u0007\u009b2J";

    /// <summary>Characters a terminal acts on: C0 controls but the line feed, DEL and C1 controls.</summary>
    private static bool ActsOnTerminal(char c) => (c < 0x20 && c != '\n') || c is >= '\u007f' and <= '\u009f';

    [Fact]
    public async Task Rejection_details_carrying_terminal_escapes_reach_the_CLI_and_the_node_log_escaped()
    {
        var node = fixture.Node;
        var log = new LogSink();
        node.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        var payloads = new BatchPayloads();
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1, 1)))).ReasonCode);

        // A later batch that carries only the hash, with a column the lineage does not know: the lineage words the rejection.
        var batch = payloads.Batch(BatchPayloads.Inserts(2, 1), withColumns: false);
        batch["rows"]![0]!["row"]![Hostile] = 1;
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, (await mqtt.PublishAsync("sync/rows/batch", batch.ToJsonString())).ReasonCode);

        using var cli = new CliSession();
        cli.Environment["EDGESYNC_API_URL"] = node.HttpAddress;
        cli.Environment["EDGESYNC_TOKEN"] = node.MintToken($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        cli.Environment["EDGESYNC_PROJECT"] = device.ProjectId.ToString();
        foreach (var output in new[] { "table", "json" })
        {
            var result = await cli.RunAsync("rejections", "list", "--device", device.DeviceId.ToString(), "--output", output);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("invalid_row", result.Out);
            Assert.Contains("red", result.Out);
            Assert.DoesNotContain(result.Out, ActsOnTerminal);
        }

        var line = Assert.Single(log.Lines, l => l.Message.Contains("invalid_row", StringComparison.Ordinal) && l.Message.Contains(device.Name, StringComparison.Ordinal));
        Assert.Contains("\\u001B[31mred", line.Message);
        Assert.DoesNotContain(line.Message, ActsOnTerminal);
    }

    [Fact]
    public void Tables_fields_and_lines_escape_what_a_terminal_would_act_on()
    {
        var writer = new StringWriter();
        var printer = new Printer(writer, OutputFormat.Table, terminal: false);
        printer.Table(["name", Hostile], [[Hostile, "plain"]], headersAsGiven: true);
        printer.Fields([("detail", Hostile)]);
        printer.Line($"first {Hostile}\nsecond");
        printer.Json(System.Text.Json.JsonSerializer.SerializeToElement(new { detail = Hostile }));

        var text = writer.ToString();
        Assert.DoesNotContain(text, ActsOnTerminal);
        Assert.Contains("\\u001B[31mred", text);
        Assert.Contains("\\u009B2J", text);
        Assert.Contains("second", text);
    }

    [Theory]
    [InlineData("\u001b[2J", "\\u001B[2J")]
    [InlineData("a\u0000b", "a\\u0000b")]
    [InlineData("\u009b", "\\u009B")]
    [InlineData("tab\there", "tab\\u0009here")]
    [InlineData("\u202eevil", "\\u202Eevil")]
    [InlineData("😀 température", "😀 température")]
    [InlineData("back\\slash", "back\\slash")]
    public void Escape_writes_controls_bidi_overrides_and_unpaired_surrogates_as_u_escapes(string text, string expected)
    {
        Assert.Equal(expected, SafeText.Escape(text));
        Assert.Equal(expected, SafeText.Escape(SafeText.Escape(text)));
    }

    [Fact]
    public void Escape_writes_unpaired_surrogates_as_u_escapes()
    {
        // Built at run time: attribute arguments cannot carry an unpaired surrogate.
        Assert.Equal("x\\uD800y", SafeText.Escape("x" + (char)0xD800 + "y"));
        Assert.Equal("\\uDC00\\uD83D", SafeText.Escape(new string([(char)0xDC00, (char)0xD83D])));
    }

    [Fact]
    public void Cuts_never_split_a_surrogate_pair_or_an_escape()
    {
        var text = new string('a', 254) + "😀";
        Assert.Equal(new string('a', 254), SafeText.Cut(text, 255));
        Assert.Equal(text, SafeText.Cut(text, 256));
        Assert.Equal(new string('a', 254) + "…", SafeText.Cut(text, 255, "…"));

        var escaped = SafeText.EscapeAndCut(new string('a', 250) + "\u001b" + "z", 255);
        Assert.Equal(new string('a', 250), escaped);
        Assert.Equal(new string('a', 250) + "\\u001B", SafeText.EscapeAndCut(new string('a', 250) + "\u001b" + "z", 256));
        Assert.Equal(new string('a', 254), SafeText.EscapeAndCut(text, 255));
    }

    [Fact]
    public void The_node_console_log_escapes_device_text_in_messages_and_keeps_exception_lines()
    {
        var formatter = new EdgeSync.Silo.Hosting.EscapingConsoleFormatter();
        var writer = new StringWriter();
        var entry = new Microsoft.Extensions.Logging.Abstractions.LogEntry<string>(LogLevel.Warning, "EdgeSync.Silo.Mqtt.EmbeddedBroker", new EventId(0),
            $"Refused publish of gw-1 to {Hostile}\nforged line", new InvalidOperationException("first\nsecond"), (state, _) => state);
        formatter.Write(entry, null, writer);

        var text = writer.ToString();
        Assert.DoesNotContain(text, ActsOnTerminal);
        Assert.StartsWith("warn: EdgeSync.Silo.Mqtt.EmbeddedBroker[0]\n      Refused publish of gw-1 to \\u001B[31mred", text);
        Assert.Contains("\\u000Aforged line", text);
        Assert.Contains("\n      second", text);
    }
}
