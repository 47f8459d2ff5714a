using EdgeSync.Cli.Api;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// One of a few fixed values (a column's action: mirror, map, ignore, defer; a mirror layout): ↑/↓ (or ←/→,
/// Space) step through them. A one-line field of its own rather than a drop-down: one key press, one visible
/// change, which is what an operator on a terminal (and a script driving one) can rely on.
/// </summary>
public sealed class Chooser : View
{
    private readonly IReadOnlyList<string> _choices;
    private readonly int _width;
    private int _index;

    public Chooser(IReadOnlyList<string> choices, string value, bool enabled = true)
    {
        _choices = choices;
        _width = choices.Max(c => c.Length);
        Enabled = enabled;
        HotKeySpecifier = Plain.NoHotKey;
        CanFocus = true;
        Height = 1;
        Width = _width + 5;
        _index = Math.Max(0, choices.ToList().IndexOf(value));
        KeyDown += OnKey;
        HasFocusChanged += (_, _) => Render();
        Render();
    }

    /// <summary>A column's action in the approve dialog; key columns (always mirrored) cannot change it.</summary>
    public static Chooser ForColumn(string action, bool enabled) => new(ColumnAction.Actions, action, enabled);

    public string Value => _choices[_index];

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
        _index = (_index + step + _choices.Count) % _choices.Count;
        Render();
    }

    // The marker shows where the keys go even without colours (and in a captured screen).
    private void Render() => Text = $"{(HasFocus ? "▸" : " ")}{Value.PadRight(_width)}{(Enabled ? "↕" : " ")}";
}
