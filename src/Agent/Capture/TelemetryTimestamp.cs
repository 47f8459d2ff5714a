using System.Globalization;
using EdgeSync.Wire;

namespace EdgeSync.Agent.Capture;

/// <summary>
/// The timestamp column of a telemetry table and how its values are read. The column is the one
/// named by <c>timestamp_column</c>, or else the only column that looks like a timestamp: declared
/// type containing <c>TIME</c> or <c>DATE</c> (DATETIME, TIMESTAMP, DATE…), or named <c>ts</c>,
/// <c>timestamp</c> or <c>time</c>. No such column, or several, is a refusal that asks for
/// <c>timestamp_column</c>. Values are RFC 3339 text, SQLite's own <c>YYYY-MM-DD HH:MM:SS[.fff]</c>
/// (UTC, as <c>datetime('now')</c> and <c>CURRENT_TIMESTAMP</c> write it) or Unix seconds (integer,
/// real, or a number in text form); they are sent as RFC 3339 UTC.
/// </summary>
public static class TelemetryTimestamp
{
    private static readonly string[] Names = ["ts", "timestamp", "time"];
    private static readonly string[] SqliteFormats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm",
    ];

    /// <summary>Unix seconds beyond year 9999 or before year 1 cannot be an RFC 3339 date-time.</summary>
    private static readonly double MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly double MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>The timestamp column, or the reason there is none.</summary>
    public static (string? Column, string? Problem) Choose(TableShape shape, string? configured)
    {
        if (configured is not null)
            return shape.Columns.Any(c => c.Name == configured)
                ? (configured, null)
                : (null, $"timestamp_column '{configured}' is not a column of the table");
        var candidates = shape.Columns.Where(c => LooksLikeTimestamp(c.Name, shape.DeclaredTypeOf(c.Name))).Select(c => c.Name).ToList();
        return candidates.Count switch
        {
            1 => (candidates[0], null),
            0 => (null, "no column looks like a timestamp (declared DATETIME/TIMESTAMP/DATE or named ts/timestamp/time); name one with timestamp_column"),
            _ => (null, $"several columns could be the timestamp ({string.Join(", ", candidates)}); name one with timestamp_column"),
        };
    }

    private static bool LooksLikeTimestamp(string name, string declaredType) =>
        Names.Contains(name, StringComparer.OrdinalIgnoreCase)
        || declaredType.Contains("TIME", StringComparison.OrdinalIgnoreCase) || declaredType.Contains("DATE", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads a stored timestamp value (string, long or double, as SQLite returns it).</summary>
    public static bool TryRead(object? value, out DateTimeOffset instant)
    {
        instant = default;
        switch (value)
        {
            case string text:
                if (Rfc3339.TryParse(text, out instant))
                    return true;
                if (DateTime.TryParseExact(text, SqliteFormats, CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
                {
                    instant = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
                    return true;
                }
                // A TEXT-affinity column keeps Unix seconds written as a number in text form.
                return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var fromText)
                       && TryFromUnix(fromText, out instant);
            case long seconds:
                return TryFromUnix(seconds, out instant);
            case double seconds:
                return TryFromUnix(seconds, out instant);
            default:
                return false;
        }
    }

    private static bool TryFromUnix(double seconds, out DateTimeOffset instant)
    {
        instant = default;
        if (!double.IsFinite(seconds) || seconds < MinUnixSeconds || seconds > MaxUnixSeconds)
            return false;
        // Whole seconds and the fraction apart: seconds × 10^7 in one double loses the fraction's digits.
        var whole = Math.Floor(seconds);
        var ticks = (long)whole * TimeSpan.TicksPerSecond + (long)Math.Round((seconds - whole) * TimeSpan.TicksPerSecond);
        var utcTicks = DateTimeOffset.UnixEpoch.Ticks + ticks;
        if (utcTicks < DateTimeOffset.MinValue.Ticks || utcTicks > DateTimeOffset.MaxValue.Ticks)
            return false;
        instant = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return true;
    }

    /// <summary>RFC 3339 in UTC with as many fraction digits as needed (none for whole seconds): <c>2026-12-07T04:41:56.25Z</c>.</summary>
    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
