using System.CommandLine;
using System.Text.Json;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Commands;

/// <summary><c>rejections list</c>: batches the service refused, and why (docs/device-protocol.md codes).</summary>
public static class RejectionCommands
{
    public static Command Build(CliHost host)
    {
        var device = new Option<Guid?>("--device") { Description = "Only this device's rejections" };
        var code = new Option<string?>("--code") { Description = "Only this rejection code (e.g. schema_hash_mismatch)" };
        var list = new Command("list", "Rejected uplinks, newest first: code, device, table, batch id, time, detail")
        {
            device, code, host.PageOption, host.LimitOption, host.AllOption,
        };
        list.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var (items, page) = await host.ListAsync(parse, p => api.RejectionsAsync(parse.GetValue(device), parse.GetValue(code), p, ct));
            host.Printer(parse).List<JsonElement>(items, page, ["received at", "code", "device", "table", "batch id", "detail"],
                r =>
                [
                    Cells.Json(r.GetProperty("received_at")), r.GetProperty("code").GetString(), r.GetProperty("device_id").GetString(),
                    Cells.Json(r.GetProperty("source_table")), Cells.Json(r.GetProperty("batch_id")), Cells.Json(r.GetProperty("detail"), 100),
                ]);
        }));
        return new Command("rejections", "Uplinks the service refused (a device's data that did not arrive)") { list };
    }
}
