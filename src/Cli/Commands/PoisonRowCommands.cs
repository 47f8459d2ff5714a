using System.CommandLine;
using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Commands;

/// <summary><c>lineages discard|quarantined|requeue</c>: the way out of rows no mirror can take.</summary>
public static class PoisonRowCommands
{
    public static Command Discard(CliHost host, Argument<Guid> lineage)
    {
        var (epoch, seqs) = RowOptions();
        var reason = new Option<string>("--reason") { Description = "Why (kept with the rows and in the event history)", Required = true };
        var command = new Command("discard", "Move staged rows to the quarantine, so the rows behind them can drain (a tripped breaker still needs `reset`)")
        {
            lineage, epoch, seqs, reason, host.IdempotencyKeyOption,
        };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var result = await host.Project(parse).DiscardAsync(parse.GetValue(lineage), parse.GetValue(epoch), parse.GetValue(seqs)!,
                parse.GetValue(reason)!, host.IdempotencyKey(parse), ct);
            var printer = host.Printer(parse);
            if (printer.Format == OutputFormat.Json)
            {
                printer.Json(result.Data);
                return;
            }
            var moved = result.As<DiscardResult>();
            printer.Line($"Discarded {Seqs(moved.Discarded)}; already quarantined {Seqs(moved.AlreadyQuarantined)}; not found {Seqs(moved.NotFound)}. "
                + $"Lineage {moved.LineageId} is {moved.Status} with {moved.StagedRowCount} staged rows.");
        }));
        return command;
    }

    public static Command Quarantined(CliHost host, Argument<Guid> lineage)
    {
        var command = new Command("quarantined", "Rows discarded or set aside by the policy, with the error they met, oldest first")
        {
            lineage, host.PageOption, host.LimitOption, host.AllOption,
        };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var id = parse.GetValue(lineage);
            var (items, page) = await host.ListAsync(parse, p => api.QuarantinedRowsAsync(id, p, ct));
            host.Printer(parse).List<QuarantinedRowView>(items, page, ["seq", "op", "pk", "row", "kind", "error", "by", "reason", "at"],
                r =>
                [
                    r.SourceCommitSeq.ToString(), r.Op, Cells.Json(r.Pk, 40), Cells.Json(r.Row), r.Kind, r.Error, r.Actor, r.Reason, Cells.Time(r.QuarantinedAt),
                ]);
        }));
        return command;
    }

    public static Command Requeue(CliHost host, Argument<Guid> lineage)
    {
        var (epoch, seqs) = RowOptions();
        var command = new Command("requeue", "Stage quarantined rows again; they are replayed like any backlog") { lineage, epoch, seqs, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var result = await host.Project(parse).RequeueAsync(parse.GetValue(lineage), parse.GetValue(epoch), parse.GetValue(seqs)!,
                host.IdempotencyKey(parse), ct);
            var printer = host.Printer(parse);
            if (printer.Format == OutputFormat.Json)
            {
                printer.Json(result.Data);
                return;
            }
            var moved = result.As<RequeueResult>();
            printer.Line($"Requeued {Seqs(moved.Requeued)}; already staged {Seqs(moved.AlreadyStaged)}; not found {Seqs(moved.NotFound)}. "
                + $"Lineage {moved.LineageId} is {moved.Status} with {moved.StagedRowCount} staged rows.");
        }));
        return command;
    }

    private static (Option<Guid> Epoch, Option<long[]> Seqs) RowOptions() =>
    (
        new Option<Guid>("--epoch") { Description = "The rows' journal epoch (see `lineages staged` / `lineages quarantined`)", Required = true },
        new Option<long[]>("--seq") { Description = "A commit sequence; repeat it or list several", Required = true, AllowMultipleArgumentsPerToken = true }
    );

    private static string Seqs(IReadOnlyList<long> seqs) => seqs.Count == 0 ? "none" : string.Join(", ", seqs);
}
