using System.CommandLine;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Commands;

/// <summary><c>policy get|set</c>: the project's edge policy (docs/lineage.md, Policy).</summary>
public static class PolicyCommands
{
    public static Command Build(CliHost host) => new("policy", "The project's edge sync policy") { Get(host), Set(host) };

    private static Command Get(CliHost host)
    {
        var command = new Command("get", "Show the policy");
        command.SetAction((parse, ct) => host.RunAsync(async () => Show(host, parse, await host.Project(parse).PolicyAsync(ct))));
        return command;
    }

    private static Command Set(CliHost host)
    {
        var additive = new Option<bool?>("--allow-additive-continue") { Description = "Add new nullable columns to the mirror without a review (true/false)" };
        var rows = new Option<long?>("--max-pending-rows") { Description = "Backlog rows per lineage before the device is paused" };
        var bytes = new Option<long?>("--max-pending-bytes") { Description = "Backlog bytes per lineage before the device is paused" };
        var resume = new Option<int?>("--resume-threshold-percent") { Description = "Resume the device below this share of the caps (1-99)" };
        var breaker = new Option<int?>("--circuit-breaker-threshold") { Description = "Consecutive permanent write errors that trip the breaker" };
        var rowError = new Option<string?>("--on-permanent-row-error")
        {
            Description = "pause: a row no mirror can take stages the batch and counts towards the breaker; quarantine: it alone is set aside",
        };
        rowError.AcceptOnlyFromAmong("pause", "quarantine");
        var layout = new Option<string?>("--default-mirror-layout") { Description = "Layout of a first mirror when an approval names none: per_device or coalesced" };
        layout.AcceptOnlyFromAmong("per_device", "coalesced");
        var command = new Command("set", "Change the fields given; the others keep their value")
        {
            additive, rows, bytes, resume, breaker, rowError, layout, host.IdempotencyKeyOption,
        };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var fields = new Dictionary<string, object>();
            void Add<T>(string name, Option<T?> option) where T : struct
            {
                if (parse.GetValue(option) is { } value)
                    fields[name] = value;
            }
            Add("allow_additive_continue", additive);
            Add("max_pending_rows_per_lineage", rows);
            Add("max_pending_bytes_per_lineage", bytes);
            Add("resume_threshold_percent", resume);
            Add("circuit_breaker_threshold", breaker);
            if (parse.GetValue(rowError) is { } action)
                fields["on_permanent_row_error"] = action;
            if (parse.GetValue(layout) is { } defaultLayout)
                fields["default_mirror_layout"] = defaultLayout;
            if (fields.Count == 0)
                throw new CliException("nothing to set: pass at least one policy option (see `edgesync policy set --help`)");
            Show(host, parse, await host.Project(parse).PatchPolicyAsync(fields, host.IdempotencyKey(parse), ct));
        }));
        return command;
    }

    private static void Show(CliHost host, ParseResult parse, Api.ApiResult result)
    {
        var printer = host.Printer(parse);
        if (printer.Format == OutputFormat.Json)
            printer.Json(result.Data);
        else
            printer.Fields(result.Data.EnumerateObject().Select(p => (p.Name, (string?)p.Value.GetRawText())).ToList());
    }
}
