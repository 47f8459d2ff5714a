using System.CommandLine;
using System.Runtime.InteropServices;
using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Config;

namespace EdgeSync.Agent.CommandLine;

/// <summary><c>edgesync-agent run --config agent.yaml</c> and <c>edgesync-agent enroll --config agent.yaml [--dry-run]</c>.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var configOption = new Option<FileInfo>("--config", "-c")
        {
            Description = "The agent's YAML configuration (each field may be overridden by EDGESYNC_AGENT_<FIELD>)",
            DefaultValueFactory = _ => new FileInfo("agent.yaml"),
        };
        var verboseOption = new Option<bool>("--verbose", "-v") { Description = "Log every batch (debug level)" };
        var dryRunOption = new Option<bool>("--dry-run") { Description = "Only list what would be enrolled or refused; change nothing" };

        var run = new Command("run", "Capture the configured tables and publish their changes until stopped (Ctrl-C / SIGTERM)") { configOption, verboseOption };
        run.SetAction(async (parse, ct) =>
        {
            using var loggers = ConsoleLogging.Create(parse.GetValue(verboseOption));
            if (Load(parse.GetValue(configOption)!) is not { } config)
                return AgentExitCodes.OperatorError;
            return await AgentHost.RunAsync(config, loggers, ct);
        });

        var enroll = new Command("enroll", "Show what the agent captures, skips or refuses in the database; install the journal and triggers unless --dry-run")
        {
            configOption, dryRunOption, verboseOption,
        };
        enroll.SetAction(parse =>
        {
            using var loggers = ConsoleLogging.Create(parse.GetValue(verboseOption));
            if (Load(parse.GetValue(configOption)!) is not { } config)
                return AgentExitCodes.OperatorError;
            try
            {
                return EnrollCommand.Execute(config, parse.GetValue(dryRunOption), Console.Out, loggers);
            }
            catch (SourceDatabaseMissingException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return AgentExitCodes.OperatorError;
            }
        });

        var root = new RootCommand("EdgeSync edge agent: captures SQLite table changes and publishes them over MQTT") { run, enroll };
        // A requested stop (Ctrl-C, SIGTERM from systemd or docker) cancels the run and exits 0;
        // System.CommandLine's own handler would exit 130/143.
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);
    }

    private static AgentConfig? Load(FileInfo file)
    {
        try
        {
            return ConfigLoader.Load(file.FullName);
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return null;
        }
    }
}
