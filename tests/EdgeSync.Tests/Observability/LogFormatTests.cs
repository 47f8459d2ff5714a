using System.Text.Json;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Observability;

/// <summary>The node's console log as a process of its own writes it.</summary>
public sealed class LogFormatTests
{
    [Fact]
    public async Task A_node_started_with_the_json_switch_writes_json_lines_with_a_timestamp()
    {
        await using var process = await NodeProcess.StartAsync(await TestDatabase.CreateAsync(), NodeProcess.Ports.Free(),
            new Dictionary<string, string> { ["Logging:Console:FormatterName"] = "json" });

        var entries = await Eventually.GetAsync(
            () => Task.FromResult(JsonLines(process.Log).ToList()),
            lines => lines.Any(l => l.TryGetProperty("Category", out var c) && c.GetString()!.StartsWith("EdgeSync.", StringComparison.Ordinal)),
            what: "a JSON log line of EdgeSync");
        var line = entries.First(l => l.GetProperty("Category").GetString()!.StartsWith("EdgeSync.", StringComparison.Ordinal));
        Assert.True(DateTimeOffset.TryParse(line.GetProperty("Timestamp").GetString(), out var at), "an ISO 8601 timestamp");
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.EndsWith("Z", line.GetProperty("Timestamp").GetString());
        Assert.True(line.TryGetProperty("LogLevel", out _));
        Assert.True(line.TryGetProperty("Message", out _));
    }

    [Fact]
    public async Task The_default_text_log_starts_each_entry_with_its_UTC_time()
    {
        await using var process = await NodeProcess.StartAsync(await TestDatabase.CreateAsync(), NodeProcess.Ports.Free());

        var line = await Eventually.GetAsync(
            () => Task.FromResult(process.Log.Split('\n').FirstOrDefault(l => l.Contains(" info: EdgeSync.", StringComparison.Ordinal))),
            l => l is not null, what: "an information line of EdgeSync") ?? "";
        var stamp = line[..line.IndexOf(' ', StringComparison.Ordinal)];
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", stamp);
    }

    private static IEnumerable<JsonElement> JsonLines(string log)
    {
        foreach (var text in log.Split('\n'))
        {
            if (!text.StartsWith('{'))
                continue;
            JsonElement element;
            try
            {
                using var document = JsonDocument.Parse(text);
                element = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;
            }
            yield return element;
        }
    }
}
