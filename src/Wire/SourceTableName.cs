using System.Text;

namespace EdgeSync.Wire;

/// <summary>
/// The rule for the text of <c>source_table</c> (that it is a JSON string is the caller's rule),
/// shared by the wire validators and <see cref="RowBatchFastPath"/> so that both hold the same one.
/// </summary>
internal static class SourceTableName
{
    /// <summary>Reserved table-name prefixes, matched ignoring ASCII case (as SQLite matches "sqlite_").</summary>
    private static readonly string[] ReservedPrefixes = ["sqlite_", "__omega_", "__edgesync_"];

    /// <summary>Unicode category Cc: U+0000..U+001F and U+007F..U+009F.</summary>
    private static readonly char[] ControlCharacters =
        Enumerable.Range(0, 0xA0).Select(i => (char)i).Where(char.IsControl).ToArray();

    /// <summary>Why <paramref name="name"/> cannot be a source_table (a rejection detail), or null when it can.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0) return "source_table is empty.";
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > WireLimits.MaxSourceTableBytes)
            return $"source_table is {bytes} bytes long in UTF-8; at most {WireLimits.MaxSourceTableBytes} are allowed.";
        var control = name.IndexOfAny(ControlCharacters);
        if (control >= 0)
            return $"source_table contains the control character U+{(int)name[control]:X4} at position {control}.";
        var reserved = ReservedPrefixes.FirstOrDefault(prefix => StartsWithIgnoringAsciiCase(name, prefix));
        return reserved is null ? null
            : $"source_table \"{WireJson.Truncate(name)}\" is a reserved name ({reserved}* tables are internal; sqlite_*, __omega_* and __edgesync_* cannot be synchronized).";
    }

    private static bool StartsWithIgnoringAsciiCase(string value, string lowerAsciiPrefix)
    {
        if (value.Length < lowerAsciiPrefix.Length) return false;
        for (var i = 0; i < lowerAsciiPrefix.Length; i++)
        {
            var c = value[i] is >= 'A' and <= 'Z' ? (char)(value[i] + ('a' - 'A')) : value[i];
            if (c != lowerAsciiPrefix[i]) return false;
        }
        return true;
    }
}
