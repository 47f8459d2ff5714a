using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// One schema review — the same lines as <c>edgesync reviews get</c> (<see cref="ReviewDetailText"/>):
/// proposed columns and the difference from the accepted schema — with c, a and x.
/// </summary>
public sealed class ReviewDetailScreen : Window
{
    private readonly UiSession _session;
    private readonly Guid _reviewId;
    private readonly ListView _text = TextLines.Create();
    private readonly StatusLine _status = new() { X = 0, Y = Pos.AnchorEnd(2) };
    private readonly CancellationTokenSource _alive = new();
    private readonly ReviewActions _actions;

    public ReviewDetailScreen(UiSession session, Guid reviewId)
    {
        HotKeySpecifier = Plain.NoHotKey;
        _session = session;
        _reviewId = reviewId;
        Title = "Schema review";
        _actions = new ReviewActions(session, _status, _alive.Token);
        _actions.Changed += Load;
        _text.KeyDown += OnKey;
        Add(_text, _status, KeyBar.Create(
        [
            new("r", "Refresh", Load),
            .. ReviewActions.Hints.Select(h => new KeyHint(h.Key, h.Text, () => _actions.Handle(h.Key[0], _reviewId))),
            new("Esc", "Back", () => RequestStop()), new("q", "Quit", session.RequestQuit),
        ]));
        this.OnShown(_text, Load);
    }

    private void OnKey(object? sender, Key key)
    {
        switch (Keys.Char(key))
        {
            case 'r': Load(); break;
            case 'q': _session.RequestQuit(); break;
            case { } c when ReviewActions.Hints.Any(h => h.Key[0] == c): _actions.Handle(c, _reviewId); break;
            default: return;
        }
        key.Handled = true;
    }

    private void Load() => _session.Call(_status, "loading the review", ct => _session.Api.ReviewAsync(_reviewId, ct), result =>
    {
        var review = result.As<ReviewDetail>();
        Title = $"Schema review — {review.SourceTable} ({review.State})";
        TextLines.Show(_text, ReviewDetailText.Lines(review));
    }, alive: _alive.Token);

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
