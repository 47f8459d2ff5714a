using System.CommandLine;
using System.Text.Json;
using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Commands;

/// <summary><c>reviews list|groups|get|claim|approve|reject</c>: schema reviews waiting for an operator.</summary>
public static class ReviewCommands
{
    public static Command Build(CliHost host)
    {
        var review = new Argument<Guid>("review-id") { Description = "The review's id (see `edgesync reviews list`)" };
        return new Command("reviews", "Schema reviews: new or changed table schemas waiting for a decision")
        {
            List(host), Groups(host), Get(host, review), Claim(host, review), Approve(host, review), Reject(host, review),
        };
    }

    private static Command List(CliHost host)
    {
        var status = new Option<string?>("--status") { Description = "queued, in_review, approved, rejected or abandoned" };
        var lineage = new Option<Guid?>("--lineage") { Description = "Only this lineage's reviews" };
        var device = new Option<Guid?>("--device") { Description = "Only this device's reviews" };
        var command = new Command("list", "Reviews, newest state first as the API orders them") { status, lineage, device, host.PageOption, host.LimitOption, host.AllOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var filter = new ReviewFilter(parse.GetValue(status), parse.GetValue(lineage), parse.GetValue(device));
            var (items, page) = await host.ListAsync(parse, p => api.ReviewsAsync(filter, p, ct));
            host.Printer(parse).List<ReviewSummary>(items, page, ["id", "table", "state", "classification", "action version", "lineage", "queued at"],
                r =>
                [
                    r.Id.ToString(), r.SourceTable, r.State + (r.Automatic ? " (auto)" : ""), r.Classification, r.ActionVersion.ToString(), r.LineageId.ToString(), Cells.Time(r.QueuedAt),
                ]);
        }));
        return command;
    }

    private static Command Groups(CliHost host)
    {
        var command = new Command("groups", "Waiting reviews grouped by table and schema: how many lineages and devices wait on each, oldest first")
        {
            host.PageOption, host.LimitOption, host.AllOption,
        };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var (items, page) = await host.ListAsync(parse, p => api.SchemaGroupsAsync(p, ct));
            host.Printer(parse).List<SchemaGroup>(items, page,
                ["table", "schema", "classification", "lineages", "devices", "staged rows", "waiting since", "example review"],
                g =>
                [
                    g.SourceTable, g.SchemaHash[..Math.Min(12, g.SchemaHash.Length)], g.Classification, g.LineageCount.ToString(), g.DeviceCount.ToString(),
                    g.StagedRows.ToString(), Cells.Time(g.OldestWaitingSince), g.ExampleReviewId.ToString(),
                ]);
        }));
        return command;
    }

    private static Command Get(CliHost host, Argument<Guid> review)
    {
        var command = new Command("get", "Proposed columns, difference from the accepted schema, classification, state") { review };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
            Show(host.Printer(parse), await host.Project(parse).ReviewAsync(parse.GetValue(review), ct))));
        return command;
    }

    private static Command Claim(CliHost host, Argument<Guid> review)
    {
        var command = new Command("claim", "Take a queued review (queued → in_review)") { review, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
            Show(host.Printer(parse), await host.Project(parse).ClaimAsync(parse.GetValue(review), host.IdempotencyKey(parse), ct))));
        return command;
    }

    private static Command Approve(CliHost host, Argument<Guid> review)
    {
        var columns = new Option<string[]>("--column")
        {
            Description = "A column's action: NAME=mirror[:MIRROR_NAME] | NAME=map:DATA_POINT[@TIMESTAMP_COLUMN] | NAME=ignore | NAME=defer (repeatable). "
                + "Columns not named keep their current binding; new columns are mirrored; key columns are always mirrored.",
            AllowMultipleArgumentsPerToken = false,
        };
        var actionsFile = new Option<FileInfo?>("--actions-file") { Description = "JSON array of column_actions as the API takes them, or - for standard input (replaces the defaults and --column)" };
        var mirrorTable = new Option<string?>("--mirror-table") { Description = "Name of the mirror table (default: derived from device and table)" };
        var mirrorLayout = new Option<string?>("--mirror-layout", "--layout")
        {
            Description = "per_device (a table of the lineage's own) or coalesced (the project's table for this source table, shared by its devices); default: the lineage's current layout, else the project's default_mirror_layout",
        };
        mirrorLayout.AcceptOnlyFromAmong("per_device", "coalesced");
        var actionVersion = new Option<int?>("--action-version") { Description = "Fail with 409 unless the review is still at this version (default: its current one)" };
        var fleet = new Option<bool>("--fleet")
        {
            Description = "Approve for the project: record a registry decision for this schema, approve every open review of it, and accept it for devices that send it later",
        };
        var command = new Command("approve", "Approve the schema: rows are written to the mirror table and the staged backlog is replayed")
        {
            review, columns, actionsFile, mirrorTable, mirrorLayout, actionVersion, fleet, host.IdempotencyKeyOption,
        };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var id = parse.GetValue(review);
            var detail = (await api.ReviewAsync(id, ct)).As<ReviewDetail>();
            if (!detail.CanBeApproved)
                throw new CliException($"review {id} cannot be approved: it is {detail.State}{(detail.ProposedColumns is null ? " and its columns are not known yet" : "")}", CliExitCodes.Conflict);

            List<ColumnAction> actions;
            if (parse.GetValue(actionsFile) is { } file)
                actions = ReadActions(file, host.In);
            else
            {
                var lineage = (await api.LineageAsync(detail.LineageId, ct)).As<LineageDetail>();
                actions = ApprovalDefaults.For(detail, lineage.Bindings);
                foreach (var given in (parse.GetValue(columns) ?? []).Select(ColumnActionSyntax.Parse))
                {
                    var index = actions.FindIndex(a => a.SourceColumnName == given.SourceColumnName);
                    if (index < 0)
                        throw new CliException($"--column: '{given.SourceColumnName}' is not a proposed column; they are: {string.Join(", ", actions.Select(a => a.SourceColumnName))}");
                    actions[index] = given;
                }
            }

            var forFleet = parse.GetValue(fleet);
            var request = new ApproveRequest(parse.GetValue(actionVersion) ?? detail.ActionVersion, actions, parse.GetValue(mirrorTable),
                forFleet ? "project" : null, parse.GetValue(mirrorLayout));
            var result = await api.ApproveAsync(id, request, host.IdempotencyKey(parse), ct);
            var printer = host.Printer(parse);
            if (printer.Format == OutputFormat.Json)
            {
                printer.Json(result.Data);
                return;
            }
            if (forFleet)
            {
                var approval = result.As<FleetApproval>();
                printer.Line($"Recorded registry decision {approval.Decision.DecisionId} for {approval.Decision.SourceTable} ({approval.Decision.MirrorLayout}): "
                    + $"{approval.ApprovedReviewIds.Count} review(s) approved; devices that send this schema later are accepted without a review.");
                if (approval.Decision.FanOut != "completed")
                    printer.Line("The approval of the remaining reviews continues in the background (see `edgesync registry get`).");
                return;
            }
            var approved = result.As<ReviewDetail>();
            printer.Line($"Approved review {approved.Id}: rows of {approved.SourceTable} go to mirror table {approved.MirrorTableName}.");
            var bindings = (await api.LineageAsync(approved.LineageId, ct)).As<LineageDetail>().Bindings;
            printer.Table(["column", "action", "to"], bindings.Select(b => new[]
            {
                b.SourceColumn, b.Action, b.Action == "map" ? $"data point {b.DataPoint}{(b.TimestampColumn is null ? "" : $" (time: {b.TimestampColumn})")}" : b.MirrorColumn,
            }));
        }));
        return command;
    }

    private static Command Reject(CliHost host, Argument<Guid> review)
    {
        var reason = new Option<string?>("--reason") { Description = "Why (kept with the review)" };
        var actionVersion = new Option<int?>("--action-version") { Description = "Fail with 409 unless the review is still at this version (default: its current one)" };
        var command = new Command("reject", "Reject the schema: the lineage stays paused and keeps its staged rows") { review, reason, actionVersion, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var id = parse.GetValue(review);
            var version = parse.GetValue(actionVersion) ?? (await api.ReviewAsync(id, ct)).As<ReviewDetail>().ActionVersion;
            Show(host.Printer(parse), await api.RejectAsync(id, version, parse.GetValue(reason), host.IdempotencyKey(parse), ct));
        }));
        return command;
    }

    private static List<ColumnAction> ReadActions(FileInfo file, TextReader stdin)
    {
        try
        {
            var json = file.Name == "-" ? stdin.ReadToEnd() : File.ReadAllText(file.FullName);
            return JsonSerializer.Deserialize<List<ColumnAction>>(json, ApiJson.Options)
                ?? throw new CliException($"{file.Name}: expected a JSON array of column actions");
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read --actions-file {file.FullName}: {e.Message}");
        }
    }

    private static void Show(Printer printer, ApiResult result)
    {
        if (printer.Format == OutputFormat.Json)
        {
            printer.Json(result.Data);
            return;
        }
        foreach (var line in ReviewDetailText.Lines(result.As<ReviewDetail>()))
            printer.Line(line);
    }
}
