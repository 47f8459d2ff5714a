using System.Text.Json;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// The top window: menu Edge Sync → Lineages | Schema Reviews, a tab line (1, 2 or Tab switch),
/// and the screen in front. Esc never leaves it (it clears a filter); q does.
/// </summary>
public sealed class MainWindow : Window
{
    private readonly UiSession _session;
    private readonly Label _tabs = Plain.Label("", 0, 1, Dim.Fill());
    private readonly LineagesScreen _lineages;
    private readonly ReviewsScreen _reviews;
    private bool _started;

    public MainWindow(UiSession session, string apiUrl)
    {
        HotKeySpecifier = Plain.NoHotKey;
        _session = session;
        Title = $"EdgeSync — project {session.Api.ProjectId} — {apiUrl}";
        _lineages = new LineagesScreen(session) { X = 0, Y = 2 };
        _reviews = new ReviewsScreen(session) { X = 0, Y = 2, Visible = false };
        var menu = new MenuBar(
        [
            new MenuBarItem("_Edge Sync",
            [
                new MenuItem("_Lineages", "1", () => ShowLineages(), null),
                new MenuItem("_Schema Reviews", "2", () => ShowReviews(), null),
                new MenuItem("_Refresh", "r", Refresh, null),
                new MenuItem("_Quit", "q", session.RequestQuit, null),
            ]),
        ]);
        Add(menu, _tabs, _lineages, _reviews);
        KeyDown += OnKey;
        IsModalChanged += (_, e) =>
        {
            if (!e.Value)
                return;
            Front().FocusTable();
            if (_started)
                return;
            _started = true;
            ShowTabs();
            _lineages.Refresh();
            LoadProjectName(apiUrl);
        };
    }

    private IListScreen Front() => _reviews.Visible ? _reviews : _lineages;

    /// <summary>Keys the screen in front did not take: switching screens, and Esc, which must not close the UI.</summary>
    private void OnKey(object? sender, Key key)
    {
        if (key == Key.Esc)
        {
            key.Handled = true;
            return;
        }
        if (key == Key.Tab || key == Key.Tab.WithShift)
        {
            key.Handled = true;
            if (_reviews.Visible)
                ShowLineages();
            else
                ShowReviews();
            return;
        }
        switch (Keys.Char(key))
        {
            case '1': ShowLineages(); break;
            case '2': ShowReviews(); break;
            case 'q': _session.RequestQuit(); break;
            default: return;
        }
        key.Handled = true;
    }

    private void ShowLineages()
    {
        _reviews.Visible = false;
        _lineages.Visible = true;
        ShowTabs();
        _lineages.FocusTable();
        _lineages.Refresh();
    }

    private void ShowReviews()
    {
        _lineages.Visible = false;
        _reviews.Visible = true;
        ShowTabs();
        _reviews.FocusTable();
        _reviews.Refresh();
    }

    private void Refresh() => Front().Refresh();

    private void ShowTabs() => _tabs.Text = _reviews.Visible
        ? "  1 Lineages   [ 2 Schema Reviews ]      (Tab or 1/2 switch, F9 menu)"
        : "[ 1 Lineages ]   2 Schema Reviews        (Tab or 1/2 switch, F9 menu)";

    private void LoadProjectName(string apiUrl) => _session.Call(null, "", ct => _session.Api.ProjectAsync(ct), result =>
    {
        var name = result.Data.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        Title = $"EdgeSync — {name ?? "project"} ({_session.Api.ProjectId}) — {apiUrl}";
    });
}
