using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

public static class ScreenShown
{
    /// <summary>
    /// Gives <paramref name="focus"/> the keyboard whenever the screen comes to the front, and runs
    /// <paramref name="firstLoad"/> the first time only: loading starts once the screen is up, so
    /// its "loading" status line is seen, and coming back from a screen on top does not reload twice.
    /// </summary>
    public static void OnShown(this Window screen, View focus, Action firstLoad)
    {
        var loaded = false;
        screen.IsModalChanged += (_, e) =>
        {
            if (!e.Value)
                return;
            focus.SetFocus();
            if (loaded)
                return;
            loaded = true;
            firstLoad();
        };
    }
}
