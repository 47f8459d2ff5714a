using System.CommandLine;
using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Commands;

/// <summary><c>registry list|get|revoke</c>: the project's standing decisions for table schemas (fleet approvals).</summary>
public static class RegistryCommands
{
    public static Command Build(CliHost host)
    {
        var decision = new Argument<Guid>("decision-id") { Description = "The decision's id (see `edgesync registry list`)" };
        return new Command("registry", "Registry decisions: a table schema approved for the whole project (`reviews approve --fleet`)")
        {
            List(host), Get(host, decision), Revoke(host, decision),
        };
    }

    private static Command List(CliHost host)
    {
        var table = new Option<string?>("--table") { Description = "Only decisions for this source table" };
        var schema = new Option<string?>("--schema") { Description = "Only decisions for this schema hash" };
        var command = new Command("list", "Registry decisions, newest first") { table, schema, host.PageOption, host.LimitOption, host.AllOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var (items, page) = await host.ListAsync(parse, p => api.RegistryDecisionsAsync(parse.GetValue(table), parse.GetValue(schema), p, ct));
            host.Printer(parse).List<RegistryDecision>(items, page, ["id", "table", "schema", "layout", "in force", "approved", "fan-out", "decided by", "decided at"],
                d =>
                [
                    d.DecisionId.ToString(), d.SourceTable, d.SchemaHash[..Math.Min(12, d.SchemaHash.Length)], d.MirrorLayout, d.InForce ? "yes" : "revoked",
                    $"{d.ApprovedReviewIds.Count}/{d.TargetCount}", d.FanOut, d.DecidedBy, Cells.Time(d.DecidedAt),
                ]);
        }));
        return command;
    }

    private static Command Get(CliHost host, Argument<Guid> decision)
    {
        var command = new Command("get", "One decision: its column actions, layout and fan-out") { decision };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
            Show(host.Printer(parse), await host.Project(parse).RegistryDecisionAsync(parse.GetValue(decision), ct))));
        return command;
    }

    private static Command Revoke(CliHost host, Argument<Guid> decision)
    {
        var command = new Command("revoke", "Stop accepting the schema automatically; lineages accepted under it keep their bindings") { decision, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
            Show(host.Printer(parse), await host.Project(parse).RevokeDecisionAsync(parse.GetValue(decision), host.IdempotencyKey(parse), ct))));
        return command;
    }

    private static void Show(Printer printer, ApiResult result)
    {
        if (printer.Format == OutputFormat.Json)
        {
            printer.Json(result.Data);
            return;
        }
        var d = result.As<RegistryDecision>();
        printer.Line($"Decision {d.DecisionId}: {d.SourceTable}, schema {d.SchemaHash}, layout {d.MirrorLayout}{(d.MirrorTableName is null ? "" : $" into {d.MirrorTableName}")}");
        printer.Line(d.InForce ? $"In force since {Cells.Time(d.DecidedAt)} (by {d.DecidedBy})" : $"Revoked {Cells.Time(d.RevokedAt!.Value)} by {d.RevokedBy}");
        printer.Line($"Fan-out {d.FanOut}: {d.ApprovedReviewIds.Count} of {d.TargetCount} waiting review(s) approved");
        printer.Table(["column", "action", "to"], d.ColumnActions.Select(a => new[]
        {
            a.SourceColumnName, a.Action, a.Action == "map" ? $"data point {a.DataPoint}" : a.MirrorColumnName ?? "",
        }));
    }
}
