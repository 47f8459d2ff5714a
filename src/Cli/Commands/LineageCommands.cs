using System.CommandLine;
using System.Text.Json;
using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Commands;

/// <summary><c>lineages list|get|staged|written|events|reset|pause|resume|delete|discard|quarantined|requeue</c>.</summary>
public static class LineageCommands
{
    public static Command Build(CliHost host)
    {
        var lineage = new Argument<Guid>("lineage-id") { Description = "The lineage's id (see `edgesync lineages list`)" };
        return new Command("lineages", "Lineages: one per device and source table")
        {
            List(host), Get(host, lineage), Staged(host, lineage), Written(host, lineage), Events(host, lineage),
            Reset(host, lineage), Pause(host, lineage), Resume(host, lineage), Delete(host, lineage),
            PoisonRowCommands.Discard(host, lineage), PoisonRowCommands.Quarantined(host, lineage), PoisonRowCommands.Requeue(host, lineage),
        };
    }

    private static Command List(CliHost host)
    {
        var device = new Option<Guid?>("--device") { Description = "Only this device's lineages" };
        var status = new Option<string?>("--status") { Description = "Only lineages in this status (active, paused, …)" };
        var table = new Option<string?>("--table") { Description = "Only lineages of this source table" };
        var command = new Command("list", "Every lineage with its device, table, status and pause reasons")
        {
            device, status, table, host.PageOption, host.LimitOption, host.AllOption,
        };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var filter = new LineageFilter(parse.GetValue(device), parse.GetValue(status), parse.GetValue(table));
            var (items, page) = await host.ListAsync(parse, p => api.LineagesAsync(filter, p, ct));
            host.Printer(parse).List<LineageSummary>(items, page, ["id", "device", "table", "kind", "status", "pause reasons", "staged", "watermark", "open review"],
                l =>
                [
                    l.Id.ToString(), l.DeviceName, l.SourceTable, l.Kind, l.Status, Cells.List(l.PauseReasons),
                    $"{l.StagedRowCount} ({Cells.Bytes(l.StagedBytes)})", l.Position, l.OpenReviewId?.ToString(),
                ]);
        }));
        return command;
    }

    private static Command Get(CliHost host, Argument<Guid> lineage)
    {
        var command = new Command("get", "Status, pause reasons, counters, schema versions, bindings, review, replay, controls, last error") { lineage };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var result = await host.Project(parse).LineageAsync(parse.GetValue(lineage), ct);
            var printer = host.Printer(parse);
            if (printer.Format == OutputFormat.Json)
                printer.Json(result.Data);
            else
                LineageDetailText.Print(printer, result.As<LineageDetail>());
        }));
        return command;
    }

    private static Command Staged(CliHost host, Argument<Guid> lineage)
    {
        var command = new Command("staged", "Rows waiting in staging, oldest first") { lineage, host.PageOption, host.LimitOption, host.AllOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var id = parse.GetValue(lineage);
            var (items, page) = await host.ListAsync(parse, p => api.StagedRowsAsync(id, p, ct));
            host.Printer(parse).List<StagedRowView>(items, page, ["seq", "op", "pk", "row", "reason", "bytes", "staged at"],
                r => [r.SourceCommitSeq.ToString(), r.Op, Cells.Json(r.Pk, 40), Cells.Json(r.Row), r.StagingReason, r.Bytes.ToString(), Cells.Time(r.StagedAt)]);
        }));
        return command;
    }

    private static Command Written(CliHost host, Argument<Guid> lineage)
    {
        var columns = new Option<string?>("--columns") { Description = "Only these columns, comma-separated (platform columns always come)" };
        var command = new Command("written", "Rows written to the lineage's mirror table") { lineage, columns, host.PageOption, host.LimitOption, host.AllOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var id = parse.GetValue(lineage);
            var (items, page) = await host.ListAsync(parse, p => api.MirrorRowsAsync(id, p, parse.GetValue(columns), ct));
            var printer = host.Printer(parse);
            if (printer.Format == OutputFormat.Json)
            {
                printer.Json(items);
                return;
            }
            var names = items.Count == 0 ? [] : items[0].EnumerateObject().Select(p => p.Name).ToList();
            printer.Table(names, items.Select(row => names.Select(n => (string?)Cells.Json(row.GetProperty(n), 40)).ToList()), headersAsGiven: true);
            printer.PageFooter(page);
        }));
        return command;
    }

    private static Command Events(CliHost host, Argument<Guid> lineage)
    {
        var command = new Command("events", "The lineage's event history, oldest first") { lineage, host.PageOption, host.LimitOption, host.AllOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var id = parse.GetValue(lineage);
            var (items, page) = await host.ListAsync(parse, p => api.EventsAsync(id, p, ct));
            host.Printer(parse).List<LineageEventView>(items, page, ["version", "time", "event", "data"],
                e => [e.Version.ToString(), Cells.Time(e.Timestamp), e.Type, Cells.Json(WithoutEcho(e.Data), 100)]);
        }));
        return command;
    }

    private static Command Reset(CliHost host, Argument<Guid> lineage)
    {
        var command = new Command("reset", "Reset a tripped circuit breaker (after fixing the cause); the backlog is replayed") { lineage, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var result = await host.Project(parse).ResetAsync(parse.GetValue(lineage), host.IdempotencyKey(parse), ct);
            var printer = host.Printer(parse);
            if (printer.Format == OutputFormat.Json)
            {
                printer.Json(result.Data);
                return;
            }
            var reset = result.As<ResetResult>();
            printer.Line(reset.Resumed
                ? $"Circuit breaker reset; lineage {reset.LineageId} resumed ({reset.Status}), {reset.StagedRowCount} staged rows to replay."
                : $"Circuit breaker reset; lineage {reset.LineageId} is still {reset.Status} (other pause reasons remain).");
        }));
        return command;
    }

    private static Command Pause(CliHost host, Argument<Guid> lineage)
    {
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the event history)" };
        var command = new Command("pause", "Pause the lineage: its rows are staged and the device is asked to stop sending") { lineage, reason, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
            ShowStatus(host, parse, await host.Project(parse).PauseAsync(parse.GetValue(lineage), parse.GetValue(reason), host.IdempotencyKey(parse), ct), "Paused")));
        return command;
    }

    private static Command Resume(CliHost host, Argument<Guid> lineage)
    {
        var command = new Command("resume", "Clear the operator pause (other pause reasons stay)") { lineage, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
            ShowStatus(host, parse, await host.Project(parse).ResumeAsync(parse.GetValue(lineage), host.IdempotencyKey(parse), ct), "Operator pause cleared")));
        return command;
    }

    private static Command Delete(CliHost host, Argument<Guid> lineage)
    {
        var dropMirror = new Option<bool>("--drop-mirror") { Description = "Also drop the mirror table and its rows" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required without a terminal)" };
        var command = new Command("delete", "Delete the lineage and its staged rows; the next batch starts a new lineage") { lineage, dropMirror, yes, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var id = parse.GetValue(lineage);
            var what = parse.GetValue(dropMirror) ? "and DROP its mirror table" : "(the mirror table is kept)";
            if (!host.Confirm($"Delete lineage {id} {what}?", "yes", parse.GetValue(yes)))
                throw new CliException("not deleted", CliExitCodes.Failed);
            var result = await api.DeleteLineageAsync(id, parse.GetValue(dropMirror), host.IdempotencyKey(parse), ct);
            var printer = host.Printer(parse);
            if (printer.Format == OutputFormat.Json)
                printer.Json(result.Data);
            else
                printer.Line($"Deleted lineage {id}.");
        }));
        return command;
    }

    /// <summary>An event's data without the fields every row repeats (the lineage id, the time column).</summary>
    private static JsonElement WithoutEcho(JsonElement data) => data.ValueKind != JsonValueKind.Object ? data :
        JsonSerializer.SerializeToElement(data.EnumerateObject()
            .Where(p => p.Name is not ("lineage_id" or "at"))
            .ToDictionary(p => p.Name, p => p.Value));

    private static void ShowStatus(CliHost host, ParseResult parse, ApiResult result, string done)
    {
        var printer = host.Printer(parse);
        if (printer.Format == OutputFormat.Json)
        {
            printer.Json(result.Data);
            return;
        }
        var status = result.Data.TryGetProperty("status", out var s) ? s.GetString() : null;
        var reasons = result.Data.TryGetProperty("pause_reasons", out var r) ? Cells.List(r.EnumerateArray().Select(x => x.GetString()!)) : "-";
        printer.Line($"{done}: status {status ?? "?"}, pause reasons {reasons}.");
    }
}
