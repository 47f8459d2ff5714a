using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeSync.Cli.Api;
using Spectre.Console;

namespace EdgeSync.Cli.Output;

/// <summary>Writes a command's result as a table (people) or as the API's JSON (scripts).</summary>
public sealed class Printer
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TextWriter _writer;
    private readonly IAnsiConsole _console;

    public Printer(TextWriter writer, OutputFormat format, bool terminal)
    {
        _writer = writer;
        Format = format;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        // Redirected output has no width; wide enough that ids are never wrapped for grep and awk.
        if (!terminal)
            _console.Profile.Width = 400;
    }

    public OutputFormat Format { get; }

    public void Json(JsonElement data) => _writer.WriteLine(JsonSerializer.Serialize(data, Indented));

    public void Json(IEnumerable<JsonElement> items) => Json(JsonSerializer.SerializeToElement(items.ToList()));

    /// <summary>Rows under upper-cased headers; <paramref name="headersAsGiven"/> keeps names that are data (mirror column names).</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows, bool headersAsGiven = false)
    {
        var table = new Table().Border(TableBorder.None).HideRowSeparators();
        foreach (var header in headers)
            table.AddColumn(new TableColumn(Markup.Escape(headersAsGiven ? header : header.ToUpperInvariant())) { NoWrap = true, Padding = new Padding(0, 0, 2, 0) });
        foreach (var row in rows)
            table.AddRow(row.Select(cell => new Text(cell ?? "-")).ToArray<Spectre.Console.Rendering.IRenderable>());
        _console.Write(table);
    }

    /// <summary>Label/value lines of one resource.</summary>
    public void Fields(IEnumerable<(string Label, string? Value)> fields)
    {
        var grid = new Grid().AddColumn(new GridColumn { NoWrap = true, Padding = new Padding(0, 0, 2, 0) }).AddColumn();
        foreach (var (label, value) in fields)
            grid.AddRow(new Text(label + ":"), new Text(value ?? "-"));
        _console.Write(grid);
    }

    public void Heading(string title)
    {
        _writer.WriteLine();
        _writer.WriteLine(title);
    }

    public void Line(string text) => _writer.WriteLine(text);

    public void PageFooter(PageInfo? page)
    {
        if (page is { TotalPages: > 1 })
            _writer.WriteLine($"page {page.CurrentPage} of {page.TotalPages} ({page.TotalItems} items); --page N for another, --all for every page");
    }
}
