using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>Collects an agent's log lines so that a test can assert on what an operator would read; echoes them to the test output.</summary>
public sealed class LogSink(ITestOutputHelper? output = null) : ILoggerProvider, ILoggerFactory
{
    private readonly List<(LogLevel Level, string Message)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Lines
    {
        get { lock (_lines) return _lines.ToList(); }
    }

    public bool Contains(string text, LogLevel? atLeast = null) =>
        Lines.Any(l => l.Message.Contains(text, StringComparison.Ordinal) && (atLeast is null || l.Level >= atLeast));

    public string Dump() => string.Join("\n", Lines.Select(l => $"{l.Level}: {l.Message}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private void Add(LogLevel level, string message)
    {
        lock (_lines)
            _lines.Add((level, message));
        try
        {
            output?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {level}: {message}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; its output helper no longer accepts lines.
        }
    }

    private sealed class Logger(LogSink sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Add(logLevel, formatter(state, exception) + (exception is null ? "" : $" [{exception.GetType().Name}: {exception.Message}]"));
    }
}
