using EdgeSync.Cli;
using EdgeSync.Cli.Commands;

return await CliApp.RunAsync(args, CliHost.ForConsole());
