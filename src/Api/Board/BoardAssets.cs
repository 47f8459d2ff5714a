using System.Collections.Frozen;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api.Board;

/// <summary>The board's files, embedded in the assembly (see Api.csproj).</summary>
internal static class BoardAssets
{
    public sealed record Asset(byte[] Content, string ContentType);

    private static readonly FrozenDictionary<string, Asset> Files = new Dictionary<string, Asset>(StringComparer.Ordinal)
    {
        ["board.js"] = new(Read("board.js"), "text/javascript; charset=utf-8"),
        ["board.css"] = new(Read("board.css"), "text/css; charset=utf-8"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly string PageTemplate = System.Text.Encoding.UTF8.GetString(Read("board.html"));

    public static Asset? Find(string name) => Files.GetValueOrDefault(name);

    /// <summary>The page with the path base filled in (the only value inserted, HTML-encoded).</summary>
    public static string Page(PathString pathBase) => PageTemplate.Replace("{{base}}", HtmlEncoder.Default.Encode(pathBase.Value ?? ""), StringComparison.Ordinal);

    private static byte[] Read(string name)
    {
        using var stream = typeof(BoardAssets).Assembly.GetManifestResourceStream($"EdgeSync.Board.{name}")
                           ?? throw new InvalidOperationException($"The board asset {name} is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
