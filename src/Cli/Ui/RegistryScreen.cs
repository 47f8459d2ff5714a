using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using EdgeSync.Escaping;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// Edge Sync → Registry Decisions: the project's standing decisions for table schemas (fleet approvals),
/// newest first. Enter shows a decision's column actions; v revokes it after asking.
/// </summary>
public sealed class RegistryScreen : View, IListScreen
{
    private const int PageSize = 50;

    private readonly UiSession _session;
    private readonly Label _heading = Plain.Label("", 0, 0, Dim.Fill());
    private readonly TableView _table = Tables.Create(1, 2);
    private readonly StatusLine _status = new() { X = 0, Y = Pos.AnchorEnd(2) };
    private readonly RegistryRevoker _revoker;
    private PageRequest _page = new(1, PageSize);
    private PageInfo? _pageInfo;
    private List<RegistryDecision> _shown = [];

    public RegistryScreen(UiSession session)
    {
        _session = session;
        CanFocus = true;
        Width = Dim.Fill();
        Height = Dim.Fill();
        _revoker = new RegistryRevoker(session, _status, Refresh, CancellationToken.None);
        _table.KeyDown += OnKey;
        Add(_heading, _table, _status, KeyBar.Create(
        [
            new("Enter", "Detail", OpenSelected), new("n/p", "Page"), new("r", "Refresh", Refresh),
            new("v", "Revoke", RevokeSelected), new("q", "Quit", session.RequestQuit),
        ]));
    }

    public void FocusTable() => _table.SetFocus();

    public void Refresh()
    {
        var page = _page;
        _session.Call(_status, "loading registry decisions", ct => _session.Api.RegistryDecisionsAsync(null, null, page, ct), result =>
        {
            var selected = Selected()?.DecisionId;
            _pageInfo = result.Page;
            _shown = result.Items<RegistryDecision>().ToList();
            _table.Table = new EnumerableTableSource<RegistryDecision>(_shown, new Dictionary<string, Func<RegistryDecision, object>>
            {
                ["TABLE"] = d => SafeText.Escape(d.SourceTable),
                ["SCHEMA"] = d => SafeText.Escape(Cells.ShortHash(d.SchemaHash)),
                ["LAYOUT"] = d => SafeText.Escape(d.MirrorLayout + (d.MirrorTableName is null ? "" : $" ({d.MirrorTableName})")),
                ["STATE"] = RegistryDecisionText.State,
                ["APPROVED"] = d => $"{d.ApprovedReviewIds.Count}/{d.TargetCount}",
                ["FAN-OUT"] = d => d.FanOut,
                ["DECIDED BY"] = d => SafeText.Escape(d.DecidedBy),
                ["DECIDED AT"] = d => Cells.Time(d.DecidedAt),
            });
            Tables.Select(_table, Math.Max(0, _shown.FindIndex(d => d.DecisionId == selected)));
            _heading.Text = $"Registry decisions — page {_pageInfo?.CurrentPage ?? 1} of {Math.Max(1, _pageInfo?.TotalPages ?? 1)}, "
                + $"{_pageInfo?.TotalItems ?? _shown.Count} decisions";
        });
    }

    private RegistryDecision? Selected() => Tables.SelectedRow(_table) is { } row && row < _shown.Count ? _shown[row] : null;

    private void OnKey(object? sender, Key key)
    {
        if (key == Key.Enter)
        {
            key.Handled = true;
            OpenSelected();
            return;
        }
        switch (Keys.Char(key))
        {
            case 'n': Go(+1); break;
            case 'p': Go(-1); break;
            case 'r': Refresh(); break;
            case 'v': RevokeSelected(); break;
            case 'q': _session.RequestQuit(); break;
            default: return;
        }
        key.Handled = true;
    }

    private void OpenSelected()
    {
        if (Selected() is not { } decision)
        {
            _status.Info("No decision selected.");
            return;
        }
        _session.Show(new RegistryDecisionScreen(_session, decision.DecisionId));
        if (!_session.QuitRequested)
            Refresh();
    }

    private void RevokeSelected()
    {
        if (Selected() is not { } decision)
        {
            _status.Info("No decision selected.");
            return;
        }
        _revoker.Revoke(decision.DecisionId);
    }

    private void Go(int delta)
    {
        if (Pages.Step(_page, _pageInfo, delta, _status) is not { } next)
            return;
        _page = next;
        Refresh();
    }
}
