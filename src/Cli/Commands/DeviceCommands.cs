using System.CommandLine;
using System.Text.Json;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Commands;

/// <summary><c>devices create|list|get|rotate-secret</c>.</summary>
public static class DeviceCommands
{
    public static Command Build(CliHost host)
    {
        var device = new Argument<Guid>("device-id") { Description = "The device's id" };
        return new Command("devices", "Devices of the project and their MQTT credentials")
        {
            Create(host), List(host), Get(host, device), RotateSecret(host, device),
        };
    }

    private static Command Create(CliHost host)
    {
        var name = new Option<string>("--name") { Description = "Device name (its MQTT client id)", Required = true };
        var command = new Command("create", "Register a device; its secret is shown once") { name, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
            ShowCredentials(host, parse, await host.Project(parse).CreateDeviceAsync(parse.GetValue(name)!, host.IdempotencyKey(parse), ct))));
        return command;
    }

    private static Command List(CliHost host)
    {
        var command = new Command("list", "Devices with their connection state") { host.PageOption, host.LimitOption, host.AllOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var api = host.Project(parse);
            var (items, page) = await host.ListAsync(parse, p => api.DevicesAsync(p, ct));
            host.Printer(parse).List<JsonElement>(items, page, ["id", "name", "mqtt username", "connected", "last seen"],
                d =>
                [
                    d.GetProperty("id").GetString(), d.GetProperty("name").GetString(), d.GetProperty("mqtt_username").GetString(),
                    d.GetProperty("connected").GetBoolean() ? "yes" : "no", Cells.Json(d.GetProperty("last_seen_at")),
                ]);
        }));
        return command;
    }

    private static Command Get(CliHost host, Argument<Guid> device)
    {
        var command = new Command("get", "One device: topic root, connected or not, last seen") { device };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var result = await host.Project(parse).DeviceAsync(parse.GetValue(device), ct);
            var printer = host.Printer(parse);
            if (printer.Format == OutputFormat.Json)
                printer.Json(result.Data);
            else
                printer.Fields(result.Data.EnumerateObject().Select(p => (p.Name, (string?)Cells.Json(p.Value, 200))).ToList());
        }));
        return command;
    }

    private static Command RotateSecret(CliHost host, Argument<Guid> device)
    {
        var command = new Command("rotate-secret", "Issue a new secret; the old one stops working") { device, host.IdempotencyKeyOption };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
            ShowCredentials(host, parse, await host.Project(parse).RotateSecretAsync(parse.GetValue(device), host.IdempotencyKey(parse), ct))));
        return command;
    }

    private static void ShowCredentials(CliHost host, ParseResult parse, Api.ApiResult result)
    {
        var printer = host.Printer(parse);
        if (printer.Format == OutputFormat.Json)
        {
            printer.Json(result.Data);
            return;
        }
        var d = result.Data;
        printer.Fields([
            ("Device", $"{d.GetProperty("name").GetString()} ({d.GetProperty("id").GetString()})"),
            ("MQTT client id", d.GetProperty("client_id").GetString()),
            ("MQTT username", d.GetProperty("mqtt_username").GetString()),
            ("Topic root", d.GetProperty("topic_root").GetString()),
            ("Secret", d.GetProperty("secret").GetString()),
        ]);
        printer.Line("The secret is shown only now: store it in the device's configuration.");
    }
}
