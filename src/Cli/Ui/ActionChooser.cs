using EdgeSync.Cli.Api;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// A column's action in the approve dialog: ↑/↓ (or ←/→, Space) step through mirror, map, ignore,
/// defer. A one-line field of its own rather than a drop-down: one key press, one visible change,
/// which is what an operator on a terminal (and a script driving one) can rely on.
/// </summary>
public sealed class ActionChooser : View
{
    private int _index;

    public ActionChooser(string action, bool enabled)
    {
        Enabled = enabled;
        HotKeySpecifier = Plain.NoHotKey;
        CanFocus = true;
        Height = 1;
        Width = 12;
        _index = Math.Max(0, ColumnAction.Actions.ToList().IndexOf(action));
        KeyDown += OnKey;
        HasFocusChanged += (_, _) => Render();
        Render();
    }

    public string Action => ColumnAction.Actions[_index];

    private void OnKey(object? sender, Key key)
    {
        int step;
        if (key == Key.CursorDown || key == Key.CursorRight || key == Key.Space)
            step = 1;
        else if (key == Key.CursorUp || key == Key.CursorLeft)
            step = -1;
        else
            return;
        key.Handled = true;
        if (!Enabled)
            return;
        _index = (_index + step + ColumnAction.Actions.Count) % ColumnAction.Actions.Count;
        Render();
    }

    // The marker shows where the keys go even without colours (and in a captured screen).
    private void Render() => Text = $"{(HasFocus ? "▸" : " ")}{Action,-7}{(Enabled ? "↕" : " ")}";
}
