using EdgeSync.Escaping;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// One line under a screen's content saying what is loading, what just happened, or what failed.
/// The last result stays once a load finishes, so "Approved: …" survives the reload it triggers.
/// </summary>
public sealed class StatusLine : Label
{
    private string _said = "";

    public StatusLine()
    {
        HotKeySpecifier = Plain.NoHotKey;
        Width = Dim.Fill();
        Height = 1;
        Text = "";
    }

    public void Busy(string what) => Text = $"… {what}";

    public void Info(string what) => Text = _said = SafeText.Escape(what);

    public void Error(string what) => Text = _said = $"error: {SafeText.Escape(what.ReplaceLineEndings(" "))}";

    /// <summary>The load finished: back to the last thing said.</summary>
    public void Clear() => Text = _said;
}
