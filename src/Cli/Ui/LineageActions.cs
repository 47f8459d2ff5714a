using EdgeSync.Cli.Api;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// The keys that act on one lineage, shared by the lineage list and the lineage detail so both
/// screens do exactly the same thing: d staged, w written, e events, Q quarantine, x reset, P pause, R resume, D delete.
/// </summary>
public sealed class LineageActions(UiSession session, StatusLine status, CancellationToken alive)
{
    public static IReadOnlyList<(string Key, string Text)> Hints { get; } =
    [
        ("d", "Staged"), ("w", "Written"), ("e", "Events"), ("Q", "Quarantine"), ("x", "Reset breaker"), ("P", "Pause"), ("R", "Resume"), ("D", "Delete"),
    ];

    /// <summary>Raised on the UI thread after a mutation succeeded, so the screen reloads what it shows.</summary>
    public event Action? Changed;

    /// <summary>Raised on the UI thread after the lineage was deleted.</summary>
    public event Action? Deleted;

    public bool Handle(char key, LineageRef lineage)
    {
        switch (key)
        {
            case 'd': session.Show(PagedRowsScreen.Staged(session, lineage)); break;
            case 'w': session.Show(PagedRowsScreen.Written(session, lineage)); break;
            case 'e': session.Show(PagedRowsScreen.Events(session, lineage)); break;
            case 'Q': session.Show(PagedRowsScreen.Quarantined(session, lineage)); break;
            case 'x': Reset(lineage); break;
            case 'P': Pause(lineage); break;
            case 'R': Resume(lineage); break;
            case 'D': Delete(lineage); break;
            default: return false;
        }
        return true;
    }

    private void Reset(LineageRef lineage)
    {
        var key = UiSession.NewIdempotencyKey();
        // The API says whether the breaker was tripped (409 otherwise): its answer is shown as is.
        session.Call(status, $"resetting the circuit breaker of {lineage.Label}", ct => session.Api.ResetAsync(lineage.Id, key, ct), result =>
        {
            var reset = result.As<ResetResult>();
            var text = reset.Resumed
                ? $"Circuit breaker reset: {lineage.Label} resumed ({reset.Status}); {reset.StagedRowCount} staged rows will be replayed."
                : $"Circuit breaker reset: {lineage.Label} is still {reset.Status} (other pause reasons remain).";
            status.Info(text);
            session.ShowInfo("Reset circuit breaker", text);
            Changed?.Invoke();
        }, alive: alive);
    }

    private void Pause(LineageRef lineage)
    {
        if (PromptDialog.Ask(session, "Pause lineage", $"Pause {lineage.Label}: its rows are staged and the device is asked to stop sending. Reason (optional):", accept: "_Pause") is not { } reason)
            return;
        var key = UiSession.NewIdempotencyKey();
        session.Call(status, $"pausing {lineage.Label}", ct => session.Api.PauseAsync(lineage.Id, reason.Length == 0 ? null : reason, key, ct), result =>
        {
            status.Info($"Paused {lineage.Label}: status {Text(result, "status")}, pause reasons {Text(result, "pause_reasons")}.");
            Changed?.Invoke();
        }, alive: alive);
    }

    private void Resume(LineageRef lineage)
    {
        var key = UiSession.NewIdempotencyKey();
        session.Call(status, $"resuming {lineage.Label}", ct => session.Api.ResumeAsync(lineage.Id, key, ct), result =>
        {
            status.Info($"Operator pause cleared on {lineage.Label}: status {Text(result, "status")}, pause reasons {Text(result, "pause_reasons")}.");
            Changed?.Invoke();
        }, alive: alive);
    }

    private void Delete(LineageRef lineage)
    {
        var (confirmed, dropMirror) = DeleteLineageDialog.Ask(session, lineage);
        if (!confirmed)
        {
            status.Info("Not deleted.");
            return;
        }
        var key = UiSession.NewIdempotencyKey();
        session.Call(status, $"deleting {lineage.Label}", ct => session.Api.DeleteLineageAsync(lineage.Id, dropMirror, key, ct), _ =>
        {
            status.Info($"Deleted the lineage of {lineage.Label}{(dropMirror ? " (and its mirror table, if it had one)" : "")}.");
            Deleted?.Invoke();
        }, alive: alive);
    }

    private static string Text(ApiResult result, string property) =>
        result.Data.TryGetProperty(property, out var value)
            ? value.ValueKind == System.Text.Json.JsonValueKind.Array
                ? Output.Cells.List(value.EnumerateArray().Select(v => v.ToString()))
                : value.ToString()
            : "?";
}
