using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeSync.Wire;

/// <summary>Strict RFC 3339 <c>date-time</c> parsing (section 5.6), as used on the wire.</summary>
public static partial class Rfc3339
{
    [GeneratedRegex(@"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>
    /// Parses <c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)</c> ("T" and "Z" in either case, up to
    /// 9 fraction digits — beyond 100 ns they are truncated). The result is the same instant in
    /// UTC (offset zero). A leap second (:60) is accepted and read as the first instant of the
    /// next second. Rejects anything else, including a missing offset, a space instead of "T",
    /// impossible dates, offset hours above 23, and year 0000.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null) return false;
        var match = Pattern().Match(text);
        if (!match.Success) return false;

        int Part(int group) => int.Parse(match.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        int year = Part(1), month = Part(2), day = Part(3), hour = Part(4), minute = Part(5), second = Part(6);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        if (hour > 23 || minute > 59 || second > 60) return false;

        long fractionTicks = 0;
        if (match.Groups[7].Success)
        {
            var digits = match.Groups[7].Value.PadRight(7, '0')[..7];
            fractionTicks = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        var offset = TimeSpan.Zero;
        if (!match.Groups[8].Success)
        {
            int offsetHours = Part(10), offsetMinutes = Part(11);
            if (offsetHours > 23 || offsetMinutes > 59) return false;
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (match.Groups[9].Value == "-") offset = -offset;
        }

        try
        {
            var local = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Unspecified)
                .AddSeconds(second)
                .AddTicks(fractionTicks);
            var utc = local - offset;
            value = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // beyond DateTime's range once the offset is applied
        }
    }
}
