using System.Collections.Concurrent;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Tests.Governance;

[Collection(NodeCollection.Name)]
public sealed class EventStreamTmpProbe(NodeFixture node)
{
    private sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => categoryName.Contains("EventStream") ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) => lines.Enqueue(formatter(state, exception));
        public void Dispose() { }
    }

    [Fact]
    public async Task EventStream_probe_heartbeat_and_disconnect()
    {
        var lines = new ConcurrentQueue<string>();
        node.Services.GetRequiredService<ILoggerFactory>().AddProvider(new Capture(lines));
        var project = await Fleet.CreateProjectAsync(node);
        using var viewer = node.CreateClient($"{project}:PROJECT_CAN_VIEW_DEVICES");
        var response = await viewer.GetAsync($"/core/api/v1/projects/{project}/edge/events/stream", HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var started = DateTime.UtcNow;
        var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Console.WriteLine($"PROBE line '{line}' after {(DateTime.UtcNow - started).TotalSeconds:F1}s");
        Assert.Equal(": keep-alive", line);
        response.Dispose();
        await Task.Delay(1500);
        Console.WriteLine("PROBE logs: " + string.Join(" | ", lines));
        Assert.Contains(lines, l => l.Contains("closed"));
    }
}
