using System.CommandLine;
using System.Text.Json;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Commands;

/// <summary><c>uploads list|get</c>: bulk uploads (bootstrap snapshots, spilled batches) from their grant to their finalize.</summary>
public static class UploadCommands
{
    public static Command Build(CliHost host)
    {
        var device = new Option<Guid?>("--device") { Description = "Only this device's uploads" };
        var table = new Option<string?>("--table") { Description = "Only uploads of this source table" };
        var state = new Option<string?>("--state") { Description = "Only uploads in this state: granted, uploaded, finalized, refused, expired" };
        var list = new Command("list", "Uploads, newest first: id, device, table, kind, state, bytes, rows ingested, granted at")
        {
            device, table, state, host.PageOption, host.LimitOption, host.AllOption,
        };
        list.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var (items, page) = await host.ListAsync(parse, p => api.UploadsAsync(parse.GetValue(device), parse.GetValue(table), parse.GetValue(state), p, ct));
            host.Printer(parse).List<JsonElement>(items, page, ["upload id", "device", "table", "kind", "state", "bytes", "rows", "granted at"],
                u =>
                [
                    u.GetProperty("upload_id").GetString(), u.GetProperty("device_id").GetString(), u.GetProperty("source_table").GetString(),
                    u.GetProperty("segment_kind").GetString(), u.GetProperty("state").GetString(), Cells.Json(u.GetProperty("bytes")),
                    Cells.Json(u.GetProperty("rows_ingested")), Cells.Json(u.GetProperty("granted_at")),
                ]);
        }));

        var upload = new Argument<Guid>("upload-id") { Description = "The upload's id" };
        var get = new Command("get", "One upload: state, sizes, times, the finalize's batch id, rows ingested, why it was refused") { upload };
        get.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var result = await host.Project(parse).UploadAsync(parse.GetValue(upload), ct);
            var printer = host.Printer(parse);
            if (printer.Format == OutputFormat.Json)
            {
                printer.Json(result.Data);
                return;
            }
            var u = result.Data;
            printer.Fields(
            [
                ("upload id", u.GetProperty("upload_id").GetString()), ("device", u.GetProperty("device_id").GetString()),
                ("lineage", u.GetProperty("lineage_id").GetString()), ("table", u.GetProperty("source_table").GetString()),
                ("kind", u.GetProperty("segment_kind").GetString()), ("state", u.GetProperty("state").GetString()),
                ("bytes", Cells.Json(u.GetProperty("bytes"))), ("granted at", Cells.Json(u.GetProperty("granted_at"))),
                ("expires at", Cells.Json(u.GetProperty("expires_at"))), ("uploaded at", Cells.Json(u.GetProperty("uploaded_at"))),
                ("finalized at", Cells.Json(u.GetProperty("finalized_at"))), ("batch id", Cells.Json(u.GetProperty("batch_id"))),
                ("rows ingested", Cells.Json(u.GetProperty("rows_ingested"))), ("detail", Cells.Json(u.GetProperty("detail"))),
            ]);
        }));
        return new Command("uploads", "Bulk uploads of devices (bootstrap snapshots, spilled batches)") { list, get };
    }
}
