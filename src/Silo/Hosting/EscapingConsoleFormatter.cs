using System.Globalization;
using EdgeSync.Escaping;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace EdgeSync.Silo.Hosting;

/// <summary>
/// The node's console log, laid out as the default "simple" format without colours, with every
/// message escaped by <see cref="SafeText.Escape"/>: log lines quote what devices send (client
/// ids, topics, table and column names, rejection details), and a terminal or log viewer must not
/// act on escape sequences in them, nor a line feed in them start a forged line. An exception's
/// text keeps its line breaks (<see cref="SafeText.EscapeLines"/>). Each entry starts with its
/// time when <c>Logging:Console:FormatterOptions:TimestampFormat</c> is set (appsettings.json sets it).
/// </summary>
public sealed class EscapingConsoleFormatter(IOptionsMonitor<ConsoleFormatterOptions>? options) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "edgesync";

    /// <summary>Without options: no timestamps.</summary>
    public EscapingConsoleFormatter() : this(null)
    {
    }

    private const string Indent = "      ";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
            return;
        if (options?.CurrentValue is { TimestampFormat: { Length: > 0 } format } current)
        {
            var now = current.UseUtcTimestamp ? DateTimeOffset.UtcNow : DateTimeOffset.Now;
            textWriter.Write(now.ToString(format, CultureInfo.InvariantCulture));
            textWriter.Write(' ');
        }
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(SafeText.Escape(logEntry.Category));
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.WriteLine(']');
        if (!string.IsNullOrEmpty(message))
        {
            textWriter.Write(Indent);
            textWriter.WriteLine(SafeText.Escape(message));
        }
        if (logEntry.Exception is { } exception)
            foreach (var line in SafeText.EscapeLines(exception.ToString()).Split('\n'))
            {
                textWriter.Write(Indent);
                textWriter.WriteLine(line);
            }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
