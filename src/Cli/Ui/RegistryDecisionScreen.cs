using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// One registry decision — the same facts as <c>edgesync registry get</c> (<see cref="RegistryDecisionText"/>):
/// schema, layout, state, fan-out and the column actions — with v to revoke it.
/// </summary>
public sealed class RegistryDecisionScreen : Window
{
    private readonly UiSession _session;
    private readonly Guid _decisionId;
    private readonly ListView _text = TextLines.Create();
    private readonly StatusLine _status = new() { X = 0, Y = Pos.AnchorEnd(2) };
    private readonly CancellationTokenSource _alive = new();
    private readonly RegistryRevoker _revoker;

    public RegistryDecisionScreen(UiSession session, Guid decisionId)
    {
        HotKeySpecifier = Plain.NoHotKey;
        _session = session;
        _decisionId = decisionId;
        Title = "Registry decision";
        _revoker = new RegistryRevoker(session, _status, Load, _alive.Token);
        _text.KeyDown += OnKey;
        Add(_text, _status, KeyBar.Create(
        [
            new("r", "Refresh", Load), new("v", "Revoke", Revoke), new("Esc", "Back", () => RequestStop()), new("q", "Quit", session.RequestQuit),
        ]));
        this.OnShown(_text, Load);
    }

    private void OnKey(object? sender, Key key)
    {
        switch (Keys.Char(key))
        {
            case 'r': Load(); break;
            case 'v': Revoke(); break;
            case 'q': _session.RequestQuit(); break;
            default: return;
        }
        key.Handled = true;
    }

    private void Revoke() => _revoker.Revoke(_decisionId);

    private void Load() => _session.Call(_status, "loading the decision", ct => _session.Api.RegistryDecisionAsync(_decisionId, ct), result =>
    {
        var decision = result.As<RegistryDecision>();
        Title = $"Registry decision — {decision.SourceTable} ({RegistryDecisionText.State(decision)})";
        TextLines.Show(_text, RegistryDecisionText.Lines(decision));
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
