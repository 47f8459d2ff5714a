using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>Asks for one line of text (a filter, a reason). Enter accepts, Esc cancels.</summary>
public sealed class PromptDialog : Dialog
{
    private readonly TextField _field;

    private PromptDialog(string title, string label, string initial, string? hint, string accept)
    {
        HotKeySpecifier = Plain.NoHotKey;
        Title = title;
        // The question may take more than one line (what is acted on, then what is asked): one label per line,
        // each escaped on its own so a line feed stays a line break; the field follows the last one.
        var lines = label.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            Add(Plain.Label(lines[i], 0, i));
        _field = new TextField { X = 0, Y = lines.Length, Width = 70, Text = initial };
        Add(_field);
        if (hint is not null)
            Add(Plain.Label(hint, 0, Pos.Bottom(_field)));
        AddButton(new Button { Title = "_Cancel" });
        AddButton(new Button { Title = accept });
    }

    /// <summary>The text entered, or null when the operator cancelled.</summary>
    public static string? Ask(UiSession session, string title, string label, string initial = "", string? hint = null, string accept = "_OK")
    {
        using var dialog = new PromptDialog(title, label, initial, hint, accept);
        session.App.Run(dialog, session.OnUnexpected);
        return dialog.Result == 1 ? dialog._field.Text.Trim() : null;
    }
}
