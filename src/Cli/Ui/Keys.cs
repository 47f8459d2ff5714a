using Terminal.Gui.Input;

namespace EdgeSync.Cli.Ui;

/// <summary>Reads a key press as the character the operator typed (d and D are different commands).</summary>
public static class Keys
{
    public static char? Char(Key key)
    {
        if (key.IsCtrl || key.IsAlt || key == Key.Enter || key == Key.Esc || key == Key.Tab || key == Key.Backspace)
            return null;
        var rune = key.AsRune.Value;
        return rune is > 32 and < 0x10000 ? (char)rune : null;
    }
}
