using System.Data;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using EdgeSync.Escaping;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// One page of a lineage's rows at a time — staged rows, written (mirror) rows or events — with
/// n/p paging. Enter shows the selected item in full, since cells are cut to fit the screen. The staged and
/// quarantined rows screens have one more key that acts on the selected row (<see cref="PoisonRowActions"/>).
/// </summary>
public sealed class PagedRowsScreen : Window
{
    private const int PageSize = 50;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly UiSession _session;
    private readonly Func<PageRequest, CancellationToken, Task<ApiResult>> _fetch;
    private readonly Func<IReadOnlyList<JsonElement>, DataTable> _toTable;
    private readonly Func<CliException, string?> _explain;
    private readonly string _noun;
    private readonly RowKey? _rowKey;
    private readonly Label _heading = Plain.Label("", 0, 0, Dim.Fill());
    private readonly TableView _table = Tables.Create(1, 2);
    private readonly StatusLine _status = new() { X = 0, Y = Pos.AnchorEnd(2) };
    private readonly CancellationTokenSource _alive = new();
    private PageRequest _page = new(1, PageSize);
    private PageInfo? _pageInfo;
    private List<JsonElement> _items = [];

    private PagedRowsScreen(UiSession session, string title, string noun, Func<PageRequest, CancellationToken, Task<ApiResult>> fetch,
        Func<IReadOnlyList<JsonElement>, DataTable> toTable, Func<CliException, string?>? explain, RowKey? rowKey = null)
    {
        HotKeySpecifier = Plain.NoHotKey;
        _session = session;
        _fetch = fetch;
        _toTable = toTable;
        _explain = explain ?? (_ => null);
        _noun = noun;
        _rowKey = rowKey;
        Title = title;
        _table.KeyDown += OnKey;
        List<KeyHint> hints = [new("Enter", "Full row", ShowSelected)];
        if (rowKey is not null)
            hints.Add(new(rowKey.Key.ToString(), rowKey.Text, ActOnSelected));
        hints.AddRange(
        [
            new("n", "Next page", () => Go(+1)), new("p", "Previous page", () => Go(-1)),
            new("r", "Refresh", Load), new("Esc", "Back", () => RequestStop()), new("q", "Quit", session.RequestQuit),
        ]);
        Add(_heading, _table, _status, KeyBar.Create(hints));
        this.OnShown(_table, Load);
    }

    public static PagedRowsScreen Staged(UiSession session, LineageRef lineage) => new(session,
        $"Staged rows — {lineage.Label}", "staged rows",
        (page, ct) => session.Api.StagedRowsAsync(lineage.Id, page, ct),
        items => Table(["SEQ", "OP", "PK", "ROW", "REASON", "BYTES", "STAGED AT"], items.Select(i => i.Deserialize<StagedRowView>(ApiJson.Options)!).Select(r => new[]
        {
            r.SourceCommitSeq.ToString(), r.Op, Cells.Json(r.Pk, 30), Cells.Json(r.Row, 90), r.StagingReason, r.Bytes.ToString(), Cells.Time(r.StagedAt),
        })), null, PoisonRowActions.Discard(session, lineage));

    public static PagedRowsScreen Quarantined(UiSession session, LineageRef lineage) => new(session,
        $"Quarantined rows — {lineage.Label}", "quarantined rows",
        (page, ct) => session.Api.QuarantinedRowsAsync(lineage.Id, page, ct),
        items => Table(["SEQ", "OP", "PK", "ROW", "KIND", "ERROR", "BY", "REASON", "AT"], items.Select(i => i.Deserialize<QuarantinedRowView>(ApiJson.Options)!).Select(r => new[]
        {
            r.SourceCommitSeq.ToString(), r.Op, Cells.Json(r.Pk, 30), Cells.Json(r.Row, 60), r.Kind, r.Error ?? "", r.Actor, r.Reason ?? "", Cells.Time(r.QuarantinedAt),
        })), null, PoisonRowActions.Requeue(session, lineage));

    public static PagedRowsScreen Written(UiSession session, LineageRef lineage) => new(session,
        $"Written rows (mirror) — {lineage.Label}", "written rows",
        (page, ct) => session.Api.MirrorRowsAsync(lineage.Id, page, null, ct),
        items =>
        {
            // The table's own columns first: the platform columns (_edge_…) are the same on every row.
            var names = items.Count == 0
                ? []
                : items[0].EnumerateObject().Select(p => p.Name).OrderBy(n => n.StartsWith("_edge_", StringComparison.Ordinal)).ToList();
            return Table(names.Select(n => n.ToUpperInvariant()).ToList(), items.Select(row => names.Select(n => Cells.Json(row.GetProperty(n), 40)).ToArray()));
        },
        // Before approval there is no mirror table: that is a state to explain, not an error to dismiss.
        e => e is ApiException { Status: HttpStatusCode.NotFound, Code: "mirror_not_provisioned" }
            ? "No rows written yet: no mirror table, as no schema of this lineage was approved. Approve its review (Schema Reviews, a); staged rows follow."
            : null);

    public static PagedRowsScreen Events(UiSession session, LineageRef lineage) => new(session,
        $"Event history — {lineage.Label}", "events",
        (page, ct) => session.Api.EventsAsync(lineage.Id, page, ct),
        items => Table(["VERSION", "TIME", "EVENT", "DATA"], items.Select(i => i.Deserialize<LineageEventView>(ApiJson.Options)!).Select(e => new[]
        {
            e.Version.ToString(), Cells.Time(e.Timestamp), e.Type, Cells.Json(WithoutIds(e.Data), 120),
        })), null);

    /// <summary>
    /// The lineage, project and device ids are the same in every event of the screen and the time has its own
    /// column (as in <c>edgesync lineages events</c>); the rest is what happened, so the actor and note fit.
    /// </summary>
    private static JsonElement WithoutIds(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
            return data;
        var rest = data.EnumerateObject().Where(p => p.Name is not ("lineage_id" or "project_id" or "device_id" or "at")).ToDictionary(p => p.Name, p => p.Value);
        return JsonSerializer.SerializeToElement(rest);
    }

    private static DataTable Table(IReadOnlyList<string> columns, IEnumerable<string[]> rows)
    {
        var table = new DataTable();
        foreach (var column in columns)
            table.Columns.Add(SafeText.Escape(column), typeof(string));
        foreach (var row in rows)
            table.Rows.Add(row.Select(cell => (object)SafeText.Escape(cell ?? "")).ToArray());
        return table;
    }

    private void OnKey(object? sender, Key key)
    {
        if (key == Key.Enter)
        {
            key.Handled = true;
            ShowSelected();
            return;
        }
        var typed = Keys.Char(key);
        if (_rowKey is not null && typed == _rowKey.Key)
        {
            key.Handled = true;
            ActOnSelected();
            return;
        }
        switch (typed)
        {
            case 'n': Go(+1); break;
            case 'p': Go(-1); break;
            case 'r': Load(); break;
            case 'q': _session.RequestQuit(); break;
            default: return;
        }
        key.Handled = true;
    }

    private void Go(int delta)
    {
        if (Pages.Step(_page, _pageInfo, delta, _status) is not { } next)
            return;
        _page = next;
        Load();
    }

    private void Load() => _session.Call(_status, $"loading {_noun}, page {_page.Page}", ct => _fetch(_page, ct), result =>
    {
        _items = result.Data.EnumerateArray().ToList();
        _pageInfo = result.Page;
        _table.Table = new DataTableSource(_toTable(_items));
        Tables.Select(_table, 0);
        _heading.Text = _items.Count == 0
            ? $"No {_noun}."
            : $"Page {_pageInfo?.CurrentPage ?? 1} of {Math.Max(1, _pageInfo?.TotalPages ?? 1)} — {_pageInfo?.TotalItems ?? _items.Count} {_noun}";
    }, failed: e =>
    {
        if (_explain(e) is not { } explanation)
            return false;
        _items = [];
        _table.Table = new DataTableSource(new DataTable());
        _heading.Text = SafeText.Escape(explanation);
        return true;
    }, alive: _alive.Token);

    private void ShowSelected()
    {
        if (Tables.SelectedRow(_table) is { } row && row < _items.Count)
            _session.ShowInfo(Title, JsonSerializer.Serialize(_items[row], Indented));
    }

    private void ActOnSelected()
    {
        if (_rowKey is null)
            return;
        if (Tables.SelectedRow(_table) is { } row && row < _items.Count)
            _rowKey.Act(_items[row], new RowScope(_status, _alive.Token, Load));
        else
            _status.Info($"No row selected: no {_noun} on this page.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _alive.Cancel();
            _alive.Dispose();
        }
        base.Dispose(disposing);
    }
}
