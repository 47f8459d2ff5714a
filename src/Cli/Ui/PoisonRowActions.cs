using System.Text.Json;
using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// The way out of a row no mirror can take, one row at a time: X on a staged row discards it into the
/// quarantine (a reason is required, as by the API), u on a quarantined row stages it again.
/// Both send the row's own journal epoch and commit seq, so a row replaced meanwhile is "not found", not hit.
/// </summary>
public static class PoisonRowActions
{
    public static RowKey Discard(UiSession session, LineageRef lineage) => new('X', "Discard row", (item, scope) =>
    {
        var row = item.Deserialize<StagedRowView>(ApiJson.Options)!;
        var reason = PromptDialog.Ask(session, $"Discard row — {lineage.Label}",
            $"Discard seq {row.SourceCommitSeq} ({row.Op}, pk {Cells.Json(row.Pk, 60)}) of {lineage.Label}?\n"
            + "It moves to the quarantine (u there stages it again). Reason (required):",
            accept: "_Discard");
        if (reason is null)
        {
            scope.Status.Info("Not discarded.");
            return;
        }
        if (reason.Length == 0)
        {
            scope.Status.Info("Not discarded: a reason is required.");
            return;
        }
        var key = UiSession.NewIdempotencyKey();
        // The lineage is read after the discard: the answer has its status, the pause reasons say what is left to do.
        session.Call(scope.Status, $"discarding seq {row.SourceCommitSeq}", async ct =>
        {
            var moved = (await session.Api.DiscardAsync(lineage.Id, row.JournalEpoch, [row.SourceCommitSeq], reason, key, ct)).As<DiscardResult>();
            var now = (await session.Api.LineageAsync(lineage.Id, ct)).As<LineageDetail>();
            return (moved, now.PauseReasons);
        }, done =>
        {
            var (moved, reasons) = done;
            var what = moved.Discarded.Contains(row.SourceCommitSeq) ? $"Discarded seq {row.SourceCommitSeq}"
                : moved.AlreadyQuarantined.Contains(row.SourceCommitSeq) ? $"Seq {row.SourceCommitSeq} was already quarantined"
                : $"Seq {row.SourceCommitSeq} is no longer staged (replayed or replaced meanwhile)";
            var breaker = reasons.Contains("circuit_breaker") ? " — reset the breaker with x on the lineage" : "";
            scope.Status.Info($"{what}: {State(moved.Status, reasons, moved.StagedRowCount)}{breaker}.");
            scope.Reload();
        }, alive: scope.Alive);
    });

    public static RowKey Requeue(UiSession session, LineageRef lineage) => new('u', "Requeue row", (item, scope) =>
    {
        var row = item.Deserialize<QuarantinedRowView>(ApiJson.Options)!;
        if (!ConfirmDialog.Ask(session, $"Requeue row — {lineage.Label}",
                $"Stage seq {row.SourceCommitSeq} ({row.Op}, pk {Cells.Json(row.Pk, 60)}) of {lineage.Label} again?\n"
                + "It is replayed with the lineage's other staged rows.",
                "_Requeue"))
        {
            scope.Status.Info("Not requeued.");
            return;
        }
        var key = UiSession.NewIdempotencyKey();
        session.Call(scope.Status, $"requeueing seq {row.SourceCommitSeq}", async ct =>
        {
            var moved = (await session.Api.RequeueAsync(lineage.Id, row.JournalEpoch, [row.SourceCommitSeq], key, ct)).As<RequeueResult>();
            var now = (await session.Api.LineageAsync(lineage.Id, ct)).As<LineageDetail>();
            return (moved, now.PauseReasons);
        }, done =>
        {
            var (moved, reasons) = done;
            var what = moved.Requeued.Contains(row.SourceCommitSeq) ? $"Requeued seq {row.SourceCommitSeq}"
                : moved.AlreadyStaged.Contains(row.SourceCommitSeq) ? $"Seq {row.SourceCommitSeq} was already staged"
                : $"Seq {row.SourceCommitSeq} is no longer quarantined";
            scope.Status.Info($"{what}: {State(moved.Status, reasons, moved.StagedRowCount)}.");
            scope.Reload();
        }, alive: scope.Alive);
    });

    private static string State(string status, IReadOnlyList<string> reasons, long staged) =>
        status == "paused" && reasons.Count > 0
            ? $"the lineage is paused ({string.Join(", ", reasons)}), {staged} rows staged"
            : $"the lineage is {status}, {staged} rows staged";
}
