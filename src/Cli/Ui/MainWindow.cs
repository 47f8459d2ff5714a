using System.Text.Json;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// The top window: menu Edge Sync → Lineages | Schema Reviews | Schema Groups | Registry Decisions, a tab line
/// (1–4 or Tab switch), and the screen in front. Esc never leaves it (it clears a filter); q does.
/// </summary>
public sealed class MainWindow : Window
{
    private readonly UiSession _session;
    private readonly Label _tabs = Plain.Label("", 0, 1, Dim.Fill());
    private readonly (string Name, string MenuTitle, View Screen)[] _screens;
    private int _front;
    private bool _started;

    public MainWindow(UiSession session, string apiUrl)
    {
        HotKeySpecifier = Plain.NoHotKey;
        _session = session;
        Title = $"EdgeSync — project {session.Api.ProjectId} — {apiUrl}";
        _screens =
        [
            // Menu hotkeys differ from each other and from Refresh and Quit (_ marks them).
            ("Lineages", "_Lineages", new LineagesScreen(session)),
            ("Schema Reviews", "_Schema Reviews", new ReviewsScreen(session)),
            ("Schema Groups", "Schema _Groups", new SchemaGroupsScreen(session)),
            ("Registry Decisions", "Registry _Decisions", new RegistryScreen(session)),
        ];
        foreach (var (_, _, screen) in _screens)
        {
            screen.X = 0;
            screen.Y = 2;
            screen.Visible = false;
        }
        _screens[0].Screen.Visible = true;
        var menu = new MenuBar(
        [
            new MenuBarItem("_Edge Sync",
            [
                .. _screens.Select((s, i) => new MenuItem(s.MenuTitle, (i + 1).ToString(), () => Show(i), null)),
                new MenuItem("_Refresh", "r", Refresh, null),
                new MenuItem("_Quit", "q", session.RequestQuit, null),
            ]),
        ]);
        Add(menu, _tabs);
        Add(_screens.Select(s => s.Screen).ToArray());
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
            Front().Refresh();
            LoadProjectName(apiUrl);
        };
    }

    private IListScreen Front() => (IListScreen)_screens[_front].Screen;

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
            var step = key == Key.Tab ? 1 : _screens.Length - 1;
            Show((_front + step) % _screens.Length);
            return;
        }
        switch (Keys.Char(key))
        {
            case >= '1' and <= '9' and var digit when digit - '1' < _screens.Length: Show(digit - '1'); break;
            case 'q': _session.RequestQuit(); break;
            default: return;
        }
        key.Handled = true;
    }

    private void Show(int index)
    {
        _screens[_front].Screen.Visible = false;
        _front = index;
        _screens[_front].Screen.Visible = true;
        ShowTabs();
        Front().FocusTable();
        Front().Refresh();
    }

    private void Refresh() => Front().Refresh();

    private void ShowTabs() => _tabs.Text = string.Join("   ", _screens.Select((s, i) => i == _front ? $"[ {i + 1} {s.Name} ]" : $"  {i + 1} {s.Name}  "))
        + $"      (Tab or 1–{_screens.Length} switch, F9 menu)";

    private void LoadProjectName(string apiUrl) => _session.Call(null, "", ct => _session.Api.ProjectAsync(ct), result =>
    {
        var name = result.Data.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        Title = $"EdgeSync — {name ?? "project"} ({_session.Api.ProjectId}) — {apiUrl}";
    });
}
