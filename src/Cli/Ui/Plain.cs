using System.Text;
using EdgeSync.Escaping;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// Text that is data, not a menu label. Table and device names are full of underscores, which
/// Terminal.Gui reads as hotkey markers and hides ("device_state" would show as "devicestate").
/// Data may come from devices, so it is escaped (<see cref="SafeText.Escape"/>) before it is shown.
/// </summary>
public static class Plain
{
    public static readonly Rune NoHotKey = new(0xFFFF);

    public static Label Label(string text, Pos x, Pos y, Dim? width = null)
    {
        var label = new Label { HotKeySpecifier = NoHotKey, X = x, Y = y };
        if (width is not null)
            label.Width = width;
        label.Text = SafeText.Escape(text);
        return label;
    }
}
