using System.Globalization;
using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Mirrors;

/// <summary>Reading of telemetry timestamp values (see <see cref="TelemetryWriter"/>).</summary>
/// <remarks>
/// Strings: RFC 3339, or without an offset (read as UTC) SQLite's <c>YYYY-MM-DD HH:MM[:SS[.fff]]</c>
/// and <c>YYYY-MM-DDTHH:MM:SS[.fff]</c>. Numbers: Unix seconds (a fraction allowed), years 1–9999.
/// Milliseconds since the epoch are not guessed at: such a number is a year far beyond 9999 and is refused.
/// </remarks>
public static class TelemetryTimestamp
{
    private static readonly string[] SqliteFormats =
        ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"];

    public static bool TryRead(JsonElement value, out DateTimeOffset timestamp)
    {
        timestamp = default;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (Rfc3339.TryParse(text, out timestamp))
                    return true;
                if (DateTime.TryParseExact(text, SqliteFormats, CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
                {
                    timestamp = new DateTimeOffset(utc, TimeSpan.Zero);
                    return true;
                }
                return false;
            case JsonValueKind.Number when value.TryGetInt64(out var seconds):
                if (seconds < -62135596800L || seconds > 253402300799L)
                    return false;
                timestamp = DateTimeOffset.FromUnixTimeSeconds(seconds);
                return true;
            case JsonValueKind.Number when value.TryGetDouble(out var fractional) && double.IsFinite(fractional):
                if (fractional < -62135596800d || fractional >= 253402300800d)
                    return false;
                var ticks = (long)Math.Round(fractional * TimeSpan.TicksPerSecond);
                if (ticks > DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks)
                    return false;
                timestamp = DateTimeOffset.UnixEpoch.AddTicks(ticks);
                return true;
            default:
                return false;
        }
    }
}
