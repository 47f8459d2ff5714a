using System.Collections.ObjectModel;
using EdgeSync.Escaping;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// Read-only lines an operator scrolls with ↑/↓ and PgUp/PgDn (the detail screens). A list, not a text
/// editor: there is nothing to edit, and letters stay free for the screen's commands.
/// </summary>
public static class TextLines
{
    public static ListView Create() => new()
    {
        X = 0,
        Y = 0,
        Width = Dim.Fill(),
        Height = Dim.Fill(2),
        KeystrokeNavigator = null!,
    };

    public static void Show(ListView view, IEnumerable<string> lines)
    {
        var top = view.SelectedItem ?? 0;
        var width = view.Viewport.Width > 20 ? view.Viewport.Width : 120;
        var items = new ObservableCollection<string>(lines.SelectMany(line => Wrap(SafeText.Escape(line), width)));
        view.SetSource(items);
        if (items.Count > 0)
            view.SelectedItem = Math.Clamp(top, 0, items.Count - 1);
    }

    /// <summary>
    /// A long line (an error message, most often) continues on the next lines, aligned under its
    /// value: a list cuts what does not fit, and the end of an error is usually the part that matters.
    /// </summary>
    public static IEnumerable<string> Wrap(string line, int width)
    {
        if (line.Length <= width)
        {
            yield return line;
            yield break;
        }
        var value = ValueColumn(line);
        var indent = new string(' ', value < width / 2 ? value : 2);
        var rest = line;
        var room = width;
        while (rest.Length > room)
        {
            // Break at the last blank that leaves at least half the line, else mid-word.
            var cut = rest.LastIndexOf(' ', room - 1, room - room / 2);
            var end = cut > 0 ? cut : room;
            yield return (room == width ? "" : indent) + rest[..end];
            rest = rest[end..].TrimStart();
            room = width - indent.Length;
        }
        yield return (room == width ? "" : indent) + rest;
    }

    /// <summary>Where the value starts in "Label    value" lines (after the first run of two or more blanks).</summary>
    private static int ValueColumn(string line)
    {
        var gap = line.IndexOf("  ", StringComparison.Ordinal);
        if (gap < 0)
            return 2;
        var value = gap;
        while (value < line.Length && line[value] == ' ')
            value++;
        return value;
    }
}
