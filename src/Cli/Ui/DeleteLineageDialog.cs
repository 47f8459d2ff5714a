using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// Confirms a lineage deletion and whether its mirror table goes too. Cancel is the default button, so
/// an Enter pressed by habit deletes nothing; Space ticks the drop-mirror box, Tab reaches Delete.
/// </summary>
public sealed class DeleteLineageDialog : Dialog
{
    private readonly CheckBox _dropMirror;

    private DeleteLineageDialog(LineageRef lineage)
    {
        HotKeySpecifier = Plain.NoHotKey;
        Title = "Delete lineage";
        Add(Plain.Label($"Delete the lineage of {lineage.DeviceName} / {lineage.SourceTable}?", 0, 0));
        Add(Plain.Label("Its staged rows and history are deleted; the device's next batch starts a new lineage.", 0, 1));
        _dropMirror = new CheckBox
        {
            HotKeySpecifier = Plain.NoHotKey,
            X = 0,
            Y = 3,
            Text = lineage.MirrorName is { } mirror ? $"Also drop the mirror table {mirror} and its rows" : "Also drop its mirror table (if one was provisioned) and its rows",
            Value = CheckState.UnChecked,
        };
        Add(_dropMirror);
        AddButton(new Button { Title = "D_elete" });
        AddButton(new Button { Title = "_Cancel" });
    }

    /// <summary>(confirmed, drop mirror).</summary>
    public static (bool Confirmed, bool DropMirror) Ask(UiSession session, LineageRef lineage)
    {
        using var dialog = new DeleteLineageDialog(lineage);
        session.App.Run(dialog, session.OnUnexpected);
        return (dialog.Result == 0, dialog._dropMirror.Value == CheckState.Checked);
    }
}
