using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// One lineage in full — the same lines as <c>edgesync lineages get</c> (<see cref="LineageDetailText"/>),
/// scrollable — with the lineage keys, and <c>v</c> to open its schema review.
/// </summary>
public sealed class LineageDetailScreen : Window
{
    private readonly UiSession _session;
    private readonly ListView _text = TextLines.Create();
    private readonly StatusLine _status = new() { X = 0, Y = Pos.AnchorEnd(2) };
    private readonly CancellationTokenSource _alive = new();
    private readonly LineageActions _actions;
    private LineageRef _lineage;
    private LineageDetail? _detail;

    public LineageDetailScreen(UiSession session, LineageRef lineage)
    {
        HotKeySpecifier = Plain.NoHotKey;
        _session = session;
        _lineage = lineage;
        Title = $"Lineage — {lineage.Label}";
        _actions = new LineageActions(session, _status, _alive.Token);
        _actions.Changed += Load;
        // A deleted lineage has nothing left to show: back to the list, which reloads.
        _actions.Deleted += () => RequestStop();
        _text.KeyDown += OnKey;
        Add(_text, _status, KeyBar.Create(
        [
            new("r", "Refresh", Load), new("v", "Review", OpenReview),
            .. LineageActions.Hints.Select(h => new KeyHint(h.Key, h.Text, () => Act(h.Key[0]))),
            new("Esc", "Back", () => RequestStop()), new("q", "Quit", session.RequestQuit),
        ]));
        this.OnShown(_text, Load);
    }

    private void OnKey(object? sender, Key key)
    {
        switch (Keys.Char(key))
        {
            case 'r': Load(); break;
            case 'v': OpenReview(); break;
            case 'q': _session.RequestQuit(); break;
            case { } c when LineageActions.Hints.Any(h => h.Key[0] == c): Act(c); break;
            default: return;
        }
        key.Handled = true;
    }

    private void Act(char key)
    {
        _actions.Handle(key, _lineage);
        if (key is 'd' or 'w' or 'e' or 'Q' && !_session.QuitRequested)
            Load();
    }

    private void Load() => _session.Call(_status, "loading the lineage", async ct =>
        (Lineage: await _session.Api.LineageAsync(_lineage.Id, ct),
            Uploads: await _session.Api.UploadsAsync(null, null, null, new PageRequest(1, 20), ct, _lineage.Id)), result =>
    {
        _detail = result.Lineage.As<LineageDetail>();
        _lineage = LineageRef.Of(_detail);
        TextLines.Show(_text, LineageDetailText.Lines(_detail, result.Uploads.Items<UploadSummary>()));
    }, alive: _alive.Token);

    private void OpenReview()
    {
        if (_detail?.OpenReview is not { } review)
        {
            _status.Info("This lineage has no open schema review.");
            return;
        }
        _session.Show(new ReviewDetailScreen(_session, review.ReviewId));
        if (!_session.QuitRequested)
            Load();
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
