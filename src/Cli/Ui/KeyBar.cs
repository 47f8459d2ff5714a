using Terminal.Gui.Input;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>A key the screen understands: shown in its status bar, and clickable there.</summary>
public sealed record KeyHint(string Key, string Text, Action? Action = null);

/// <summary>The status bar of a screen: the keys it takes, so an operator never has to guess.</summary>
public static class KeyBar
{
    public static StatusBar Create(IEnumerable<KeyHint> hints) =>
        // The shortcuts carry no key binding of their own: the screen's key handler is the one place a key is
        // interpreted, so a key never runs twice and the bar cannot steal keys from a focused text field.
        new(hints.Select(h => new Shortcut(Key.Empty, $"{h.Key} {h.Text}", h.Action ?? (() => { }), "")));
}
