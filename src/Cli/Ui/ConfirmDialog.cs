using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// A yes/no question about one thing (revoking a registry decision, requeueing a row). It opens on the accept
/// button, like the reject prompt: Enter confirms what the question names, Esc cancels.
/// </summary>
public sealed class ConfirmDialog : Dialog
{
    private ConfirmDialog(string title, string question, string accept)
    {
        HotKeySpecifier = Plain.NoHotKey;
        Title = title;
        // One label per line: each line escaped on its own, a line feed in the question stays a line break.
        var y = 0;
        foreach (var line in question.Split('\n'))
            Add(Plain.Label(line, 0, y++));
        AddButton(new Button { Title = "_Cancel" });
        var yes = new Button { Title = accept };
        AddButton(yes);
        IsModalChanged += (_, e) =>
        {
            if (e.Value)
                yes.SetFocus();
        };
    }

    /// <summary>True when the operator confirmed.</summary>
    public static bool Ask(UiSession session, string title, string question, string accept)
    {
        using var dialog = new ConfirmDialog(title, question, accept);
        session.App.Run(dialog, session.OnUnexpected);
        return dialog.Result == 1;
    }
}
