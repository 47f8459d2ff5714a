using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeSync.Cli.Api;
using EdgeSync.Escaping;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeSync.Cli.Output;

/// <summary>
/// Writes a command's result as a table (people) or as the API's JSON (scripts). Text from the
/// API may come from devices, so every cell, value and line goes through
/// <see cref="SafeText.Escape"/> on its way to the terminal; the JSON encoder escapes control
/// characters itself.
/// </summary>
public sealed class Printer
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TextWriter _writer;
    private readonly int _width;

    public Printer(TextWriter writer, OutputFormat format, bool terminal)
    {
        _writer = writer;
        Format = format;
        // Redirected output has no width; wide enough that ids are never wrapped for grep and awk.
        _width = terminal && Console.WindowWidth > 0 ? Console.WindowWidth : 400;
    }

    public OutputFormat Format { get; }

    public void Json(JsonElement data) => _writer.WriteLine(JsonSerializer.Serialize(data, Indented));

    public void Json(IEnumerable<JsonElement> items) => Json(JsonSerializer.SerializeToElement(items.ToList()));

    /// <summary>Rows under upper-cased headers; <paramref name="headersAsGiven"/> keeps names that are data (mirror column names).</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows, bool headersAsGiven = false)
    {
        var table = new Table().Border(TableBorder.None).HideRowSeparators();
        foreach (var header in headers)
            table.AddColumn(new TableColumn(Markup.Escape(SafeText.Escape(headersAsGiven ? header : header.ToUpperInvariant()))) { NoWrap = true, Padding = new Padding(0, 0, 2, 0) });
        foreach (var row in rows)
            table.AddRow(row.Select(cell => new Text(SafeText.Escape(cell ?? "-"))).ToArray<IRenderable>());
        Render(table);
    }

    /// <summary>A list as JSON items, or as a table of <typeparamref name="T"/> rows with the page footer.</summary>
    public void List<T>(IReadOnlyList<JsonElement> items, PageInfo? page, IReadOnlyList<string> headers, Func<T, IReadOnlyList<string?>> row)
    {
        if (Format == OutputFormat.Json)
        {
            Json(items);
            return;
        }
        Table(headers, items.Select(item => row(item.Deserialize<T>(ApiJson.Options)!)));
        PageFooter(page);
    }

    /// <summary>Label/value lines of one resource.</summary>
    public void Fields(IReadOnlyList<(string Label, string? Value)> fields)
    {
        var width = fields.Max(f => f.Label.Length) + 3;
        foreach (var (label, value) in fields)
            _writer.WriteLine($"{(label + ":").PadRight(width)}{SafeText.Escape(value ?? "-")}");
    }

    /// <summary>Renders without colours and without the trailing blanks Spectre pads cells with.</summary>
    private void Render(IRenderable renderable)
    {
        var buffer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(buffer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = _width;
        console.Write(renderable);
        foreach (var line in buffer.ToString().Split('\n'))
            if (line.TrimEnd() is { Length: > 0 } text)
                _writer.WriteLine(text);
    }

    public void Line(string text) => _writer.WriteLine(SafeText.EscapeLines(text));

    public void PageFooter(PageInfo? page)
    {
        if (page is { TotalPages: > 1 })
            _writer.WriteLine($"page {page.CurrentPage} of {page.TotalPages} ({page.TotalItems} items); --page N for another, --all for every page");
    }
}
