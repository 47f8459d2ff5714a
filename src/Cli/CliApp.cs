using System.CommandLine;
using EdgeSync.Cli.Commands;
using EdgeSync.Escaping;

namespace EdgeSync.Cli;

/// <summary>The <c>edgesync</c> command line: subcommands for scripts, and the terminal UI when run without one.</summary>
public static class CliApp
{
    public static RootCommand Build(CliHost host)
    {
        var ui = new Command("ui", "The interactive terminal UI (also what `edgesync` alone starts)");
        ui.SetAction((parse, ct) => Ui.OperatorUi.RunAsync(host, parse, ct));

        var root = new RootCommand("EdgeSync operator CLI: lineages, schema reviews, devices and policy of a project")
        {
            host.ApiUrlOption, host.ProjectOption, host.OutputOption,
        };
        foreach (var command in SessionCommands.Build(host))
            root.Subcommands.Add(command);
        root.Subcommands.Add(LineageCommands.Build(host));
        root.Subcommands.Add(ReviewCommands.Build(host));
        root.Subcommands.Add(RegistryCommands.Build(host));
        root.Subcommands.Add(RejectionCommands.Build(host));
        root.Subcommands.Add(UploadCommands.Build(host));
        root.Subcommands.Add(DeviceCommands.Build(host));
        root.Subcommands.Add(PolicyCommands.Build(host));
        root.Subcommands.Add(ui);
        root.SetAction((parse, ct) => Ui.OperatorUi.RunAsync(host, parse, ct));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken ct = default)
    {
        var parse = Build(host).Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parse.Errors)
                host.Error.WriteLine($"error: {SafeText.EscapeLines(error.Message)}");
            host.Error.WriteLine("See `edgesync --help` or `edgesync <command> --help`.");
            return CliExitCodes.UsageError;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = host.Out, Error = host.Error }, ct);
    }
}
