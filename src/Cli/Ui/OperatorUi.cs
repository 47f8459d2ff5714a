using System.CommandLine;
using EdgeSync.Cli.Commands;

namespace EdgeSync.Cli.Ui;

/// <summary>The interactive terminal UI.</summary>
public static class OperatorUi
{
    public static Task<int> RunAsync(CliHost host, ParseResult parse, CancellationToken ct)
    {
        host.Error.WriteLine("error: the terminal UI is not built yet");
        return Task.FromResult(ExitCodes.UsageError);
    }
}
