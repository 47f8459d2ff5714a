using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using EdgeSync.Escaping;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// Edge Sync → Schema Reviews: new or changed table schemas waiting for a decision. <c>/</c> filters
/// by state; c, a and x claim, approve and reject the selected review; Enter opens it.
/// </summary>
public sealed class ReviewsScreen : View, IListScreen
{
    private const int PageSize = 50;
    private static readonly string[] States = ["queued", "in_review", "approved", "rejected", "abandoned"];

    private readonly UiSession _session;
    private readonly Label _heading = Plain.Label("", 0, 0, Dim.Fill());
    private readonly TableView _table = Tables.Create(1, 2);
    private readonly StatusLine _status = new() { X = 0, Y = Pos.AnchorEnd(2) };
    private readonly ReviewActions _actions;
    private string? _state;
    private PageRequest _page = new(1, PageSize);
    private PageInfo? _pageInfo;
    private List<ReviewSummary> _shown = [];

    public ReviewsScreen(UiSession session)
    {
        _session = session;
        CanFocus = true;
        Width = Dim.Fill();
        Height = Dim.Fill();
        _actions = new ReviewActions(session, _status, CancellationToken.None);
        _actions.Changed += Refresh;
        _table.KeyDown += OnKey;
        Add(_heading, _table, _status, KeyBar.Create(
        [
            new("Enter", "Detail", OpenSelected), new("/", "Filter by state", AskFilter), new("n/p", "Page"), new("r", "Refresh", Refresh),
            .. ReviewActions.Hints.Select(h => new KeyHint(h.Key, h.Text, () => Act(h.Key[0]))),
            new("q", "Quit", session.RequestQuit),
        ]));
    }

    public void FocusTable() => _table.SetFocus();

    public void Refresh()
    {
        var page = _page;
        var state = _state;
        _session.Call(_status, "loading schema reviews", ct => _session.Api.ReviewsAsync(new ReviewFilter(state), page, ct), result =>
        {
            var selected = Selected()?.Id;
            _pageInfo = result.Page;
            _shown = result.Items<ReviewSummary>().ToList();
            _table.Table = new EnumerableTableSource<ReviewSummary>(_shown, new Dictionary<string, Func<ReviewSummary, object>>
            {
                ["TABLE"] = r => SafeText.Escape(r.SourceTable),
                ["STATE"] = r => r.State + (r.Automatic ? " (auto)" : ""),
                ["CLASSIFICATION"] = r => r.Classification,
                ["VERSION"] = r => r.ActionVersion.ToString(),
                ["LINEAGE"] = r => r.LineageId.ToString(),
                ["QUEUED AT"] = r => Cells.Time(r.QueuedAt),
            });
            Tables.Select(_table, Math.Max(0, _shown.FindIndex(r => r.Id == selected)));
            _heading.Text = $"Schema reviews ({state ?? "every state"}) — page {_pageInfo?.CurrentPage ?? 1} of {Math.Max(1, _pageInfo?.TotalPages ?? 1)}, {_pageInfo?.TotalItems ?? _shown.Count} reviews";
        });
    }

    private ReviewSummary? Selected() => Tables.SelectedRow(_table) is { } row && row < _shown.Count ? _shown[row] : null;

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
            key.Handled = true;
            if (_state is not null)
                SetState(null);
            return;
        }
        switch (Keys.Char(key))
        {
            case '/': AskFilter(); break;
            case 'n': Go(+1); break;
            case 'p': Go(-1); break;
            case 'r': Refresh(); break;
            case 'q': _session.RequestQuit(); break;
            case { } c when ReviewActions.Hints.Any(h => h.Key[0] == c): Act(c); break;
            default: return;
        }
        key.Handled = true;
    }

    private void Act(char key)
    {
        if (Selected() is not { } review)
        {
            _status.Info("No review selected.");
            return;
        }
        _actions.Handle(key, review.Id);
    }

    private void OpenSelected()
    {
        if (Selected() is not { } review)
        {
            _status.Info("No review selected.");
            return;
        }
        _session.Show(new ReviewDetailScreen(_session, review.Id));
        if (!_session.QuitRequested)
            Refresh();
    }

    private void AskFilter()
    {
        var text = PromptDialog.Ask(_session, "Filter schema reviews", "State (empty: every state):", _state ?? "", $"One of: {string.Join(", ", States)}", "_Filter");
        if (text is null)
            return;
        if (text.Length > 0 && !States.Contains(text))
        {
            _session.ShowError(_status, $"'{text}' is not a review state; use one of {string.Join(", ", States)}.");
            return;
        }
        SetState(text.Length == 0 ? null : text);
    }

    private void SetState(string? state)
    {
        _state = state;
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
