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
        if (TryParseUtc(text, out value)) return true;
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

    /// <summary>
    /// The common shape without the regular expression: <c>YYYY-MM-DDTHH:MM:SS[.fff]Z</c> (upper
    /// case, 1 to 7 fraction digits, no leap second). Anything else answers false, and
    /// <see cref="TryParse"/> then decides by the full rule, so both accept the same texts.
    /// </summary>
    private static bool TryParseUtc(string text, out DateTimeOffset value)
    {
        value = default;
        var length = text.Length;
        if (length < 20 || length > 28 || text[^1] != 'Z' || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':')
            return false;
        if (!Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second))
            return false;
        long fraction = 0;
        if (length > 20)
        {
            var digits = length - 21;
            if (text[19] != '.' || digits is < 1 or > 7 || !Digits(text, 20, digits, out var f))
                return false;
            fraction = f;
            for (var i = digits; i < 7; i++)
                fraction *= 10;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return false;
        value = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction));
        return true;
    }

    private static bool Digits(string text, int start, int count, out int number)
    {
        number = 0;
        for (var i = start; i < start + count; i++)
        {
            var c = text[i];
            if (c is < '0' or > '9')
                return false;
            number = number * 10 + (c - '0');
        }
        return true;
    }
}
