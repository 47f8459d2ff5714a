using System.Collections.ObjectModel;
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
        var items = new ObservableCollection<string>(lines);
        view.SetSource(items);
        if (items.Count > 0)
            view.SelectedItem = Math.Clamp(top, 0, items.Count - 1);
    }
}
