using System.Text.Json;
using EdgeSync.Cli;
using EdgeSync.Cli.Commands;

namespace EdgeSync.Tests.Cli;

public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// One operator's use of <c>edgesync</c>: the real command line run in-process over real HTTP, with
/// its own settings folder and environment, so tests do not touch the user's configuration.
/// </summary>
public sealed class CliSession : IDisposable
{
    public string ConfigDirectory { get; } = Directory.CreateTempSubdirectory("edgesync-cli-").FullName;

    /// <summary>Environment variables the CLI sees (nothing of the test process's own).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    public async Task<CliResult> RunAsync(params string[] args) => await RunWithInputAsync("", args);

    public async Task<CliResult> RunWithInputAsync(string input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new Dictionary<string, string>(Environment) { ["EDGESYNC_CONFIG_DIR"] = ConfigDirectory };
        var host = new CliHost(output, error, new StringReader(input), interactive: false, name => environment.GetValueOrDefault(name));
        var exit = await CliApp.RunAsync(args, host);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs with <c>--output json</c>, requires success, and parses what was printed.</summary>
    public async Task<JsonElement> JsonAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--output", "json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        return document.RootElement.Clone();
    }

    public void Dispose() => Directory.Delete(ConfigDirectory, recursive: true);
}
