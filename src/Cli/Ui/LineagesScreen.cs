using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using EdgeSync.Escaping;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// Edge Sync → Lineages: every lineage of the project, one page at a time, with what an operator on
/// call looks at first (status, pause reasons, staged backlog). Enter opens the detail; the lineage
/// keys act on the selected row.
/// </summary>
public sealed class LineagesScreen : View, IListScreen
{
    private const int PageSize = 50;

    private readonly UiSession _session;
    private readonly Label _heading = Plain.Label("", 0, 0, Dim.Fill());
    private readonly TableView _table = Tables.Create(1, 2);
    private readonly StatusLine _status = new() { X = 0, Y = Pos.AnchorEnd(2) };
    private readonly LineageActions _actions;
    private LineageListFilter _filter = LineageListFilter.None;
    private PageRequest _page = new(1, PageSize);
    private PageInfo? _pageInfo;
    private List<LineageSummary> _shown = [];

    public LineagesScreen(UiSession session)
    {
        _session = session;
        CanFocus = true;
        Width = Dim.Fill();
        Height = Dim.Fill();
        _actions = new LineageActions(session, _status, CancellationToken.None);
        _actions.Changed += Refresh;
        _actions.Deleted += Refresh;
        _table.KeyDown += OnKey;
        Add(_heading, _table, _status, KeyBar.Create(
        [
            new("Enter", "Detail", OpenSelected), new("/", "Filter", AskFilter), new("n/p", "Page"), new("r", "Refresh", Refresh),
            .. LineageActions.Hints.Select(h => new KeyHint(h.Key, h.Text, () => Act(h.Key[0]))),
            new("q", "Quit", session.RequestQuit),
        ]));
    }

    public void FocusTable() => _table.SetFocus();

    public void Refresh()
    {
        var page = _page;
        var filter = _filter;
        _session.Call(_status, "loading lineages", ct => _session.Api.LineagesAsync(filter.Server, page, ct), result =>
        {
            var selected = Selected()?.Id;
            _pageInfo = result.Page;
            _shown = result.Items<LineageSummary>().Where(filter.Matches).ToList();
            _table.Table = new EnumerableTableSource<LineageSummary>(_shown, new Dictionary<string, Func<LineageSummary, object>>
            {
                ["DEVICE"] = l => SafeText.Escape(l.DeviceName),
                ["TABLE"] = l => SafeText.Escape(l.SourceTable),
                ["KIND"] = l => l.Kind,
                ["STATUS"] = l => l.Status,
                ["PAUSE REASONS"] = l => Cells.List(l.PauseReasons),
                ["STAGED"] = l => $"{l.StagedRowCount} ({Cells.Bytes(l.StagedBytes)})",
                ["WATERMARK"] = l => l.Position ?? "-",
                ["OPEN REVIEW"] = l => l.OpenReviewId is null ? "-" : "yes",
                ["UPDATED"] = l => Cells.Time(l.UpdatedAt),
            });
            Tables.Select(_table, Math.Max(0, _shown.FindIndex(l => l.Id == selected)));
            _heading.Text = $"Lineages — page {_pageInfo?.CurrentPage ?? 1} of {Math.Max(1, _pageInfo?.TotalPages ?? 1)}, "
                + $"{_pageInfo?.TotalItems ?? _shown.Count} in the project{(filter.IsEmpty ? "" : $", {_shown.Count} shown; filter: {filter.Text}")}";
        });
    }

    private LineageSummary? Selected() => Tables.SelectedRow(_table) is { } row && row < _shown.Count ? _shown[row] : null;

    private void OnKey(object? sender, Key key)
    {
        if (key == Key.Enter)
        {
            key.Handled = true;
            OpenSelected();
            return;
        }
        if (key == Key.Esc)
        {
            // Esc is "back"; on the top screen that means dropping the filter, never leaving the UI.
            key.Handled = true;
            if (!_filter.IsEmpty)
                SetFilter(LineageListFilter.None);
            return;
        }
        var c = Keys.Char(key);
        switch (c)
        {
            case '/': AskFilter(); break;
            case 'n': Go(+1); break;
            case 'p': Go(-1); break;
            case 'r': Refresh(); break;
            case 'q': _session.RequestQuit(); break;
            case { } other when LineageActions.Hints.Any(h => h.Key[0] == other): Act(other); break;
            default: return;
        }
        key.Handled = true;
    }

    private void Act(char key)
    {
        if (Selected() is not { } lineage)
        {
            _status.Info("No lineage selected.");
            return;
        }
        _actions.Handle(key, LineageRef.Of(lineage));
        // Whatever the screen on top did (or the quit it asked for), the list shows the state now.
        if (key is 'd' or 'w' or 'e' or 'Q' && !_session.QuitRequested)
            Refresh();
    }

    private void OpenSelected()
    {
        if (Selected() is not { } lineage)
        {
            _status.Info("No lineage selected.");
            return;
        }
        _session.Show(new LineageDetailScreen(_session, LineageRef.Of(lineage)));
        if (!_session.QuitRequested)
            Refresh();
    }

    private void AskFilter()
    {
        var text = PromptDialog.Ask(_session, "Filter lineages", "Text matched on device, table or status (empty: all):",
            _filter.Text, "Server-side: status:paused  table:NAME  device:DEVICE-ID (combine with text, e.g. status:paused boiler)", "_Filter");
        if (text is null)
            return;
        try
        {
            SetFilter(LineageListFilter.Parse(text));
        }
        catch (CliException e)
        {
            _session.ShowError(_status, e.Message);
        }
    }

    private void SetFilter(LineageListFilter filter)
    {
        _filter = filter;
        _page = _page with { Page = 1 };
        Refresh();
    }

    private void Go(int delta)
    {
        if (Pages.Step(_page, _pageInfo, delta, _status) is not { } next)
            return;
        _page = next;
        Refresh();
    }
}
