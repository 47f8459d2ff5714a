using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using EdgeSync.Escaping;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// Edge Sync → Schema Groups: the waiting reviews, one row per table schema, with how many lineages and
/// devices wait on it. Enter opens the group's example review; f approves the schema for the fleet.
/// </summary>
public sealed class SchemaGroupsScreen : View, IListScreen
{
    private const int PageSize = 50;

    private readonly UiSession _session;
    private readonly Label _heading = Plain.Label("", 0, 0, Dim.Fill());
    private readonly TableView _table = Tables.Create(1, 2);
    private readonly StatusLine _status = new() { X = 0, Y = Pos.AnchorEnd(2) };
    private PageRequest _page = new(1, PageSize);
    private PageInfo? _pageInfo;
    private List<SchemaGroup> _shown = [];

    public SchemaGroupsScreen(UiSession session)
    {
        _session = session;
        CanFocus = true;
        Width = Dim.Fill();
        Height = Dim.Fill();
        _table.KeyDown += OnKey;
        Add(_heading, _table, _status, KeyBar.Create(
        [
            new("Enter", "Example review", OpenSelected), new("n/p", "Page"), new("r", "Refresh", Refresh),
            new("f", "Approve for the fleet", ApproveSelected), new("q", "Quit", session.RequestQuit),
        ]));
    }

    public void FocusTable() => _table.SetFocus();

    public void Refresh()
    {
        var page = _page;
        _session.Call(_status, "loading schema groups", ct => _session.Api.SchemaGroupsAsync(page, ct), result =>
        {
            var selected = Selected() is { } g ? GroupKey(g) : default;
            _pageInfo = result.Page;
            _shown = result.Items<SchemaGroup>().ToList();
            _table.Table = new EnumerableTableSource<SchemaGroup>(_shown, new Dictionary<string, Func<SchemaGroup, object>>
            {
                ["TABLE"] = g => SafeText.Escape(g.SourceTable),
                ["SCHEMA"] = g => SafeText.Escape(Cells.ShortHash(g.SchemaHash)),
                ["CLASSIFICATION"] = g => g.Classification,
                ["LINEAGES"] = g => g.LineageCount.ToString(),
                ["DEVICES"] = g => g.DeviceCount.ToString(),
                ["STAGED ROWS"] = g => $"{g.StagedRows} ({Cells.Bytes(g.StagedBytes)})",
                ["WAITING SINCE"] = g => Cells.Time(g.OldestWaitingSince),
            });
            Tables.Select(_table, Math.Max(0, _shown.FindIndex(g => GroupKey(g) == selected)));
            _heading.Text = $"Schema groups (open reviews per table schema) — page {_pageInfo?.CurrentPage ?? 1} of {Math.Max(1, _pageInfo?.TotalPages ?? 1)}, "
                + $"{_pageInfo?.TotalItems ?? _shown.Count} groups";
        });
    }

    private static (string, string, string) GroupKey(SchemaGroup g) => (g.SourceTable, g.SchemaHash, g.Classification);

    private SchemaGroup? Selected() => Tables.SelectedRow(_table) is { } row && row < _shown.Count ? _shown[row] : null;

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
            case 'f': ApproveSelected(); break;
            case 'q': _session.RequestQuit(); break;
            default: return;
        }
        key.Handled = true;
    }

    private void OpenSelected()
    {
        if (Selected() is not { } group)
        {
            _status.Info("No schema group selected.");
            return;
        }
        _session.Show(new ReviewDetailScreen(_session, group.ExampleReviewId));
        if (!_session.QuitRequested)
            Refresh();
    }

    private void ApproveSelected()
    {
        if (Selected() is not { } group)
        {
            _status.Info("No schema group selected.");
            return;
        }
        new FleetApprover(_session, _status, Refresh).Approve(group);
    }

    private void Go(int delta)
    {
        if (Pages.Step(_page, _pageInfo, delta, _status) is not { } next)
            return;
        _page = next;
        Refresh();
    }
}
