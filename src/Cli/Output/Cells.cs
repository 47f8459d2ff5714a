using System.Globalization;
using System.Text.Json;
using EdgeSync.Escaping;

namespace EdgeSync.Cli.Output;

/// <summary>How values read in a table cell: short, invariant, one line.</summary>
public static class Cells
{
    public static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    public static string List(IEnumerable<string> items) => string.Join(",", items) is { Length: > 0 } text ? text : "-";

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB",
    };

    /// <summary>Compact JSON, cut to <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Json(JsonElement? value, int max = 80)
    {
        if (value is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            return "-";
        var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
        return Cut(text, max);
    }

    /// <summary>At most <paramref name="max"/> characters, never splitting a surrogate pair.</summary>
    /// <summary>The first 12 characters of a schema hash: enough to tell the schemas of a project apart.</summary>
    public static string ShortHash(string hash) => hash[..Math.Min(12, hash.Length)];

    public static string Cut(string text, int max) => text.Length <= max ? text : SafeText.Cut(text, max - 1, "…");
}
