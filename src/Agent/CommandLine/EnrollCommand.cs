using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Config;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Agent.CommandLine;

/// <summary>
/// <c>edgesync-agent enroll</c>: shows, table by table, what the agent captures, skips or refuses
/// (and why). With <c>--dry-run</c> nothing is changed; without it the journal and the triggers are
/// installed now (as <c>run</c> would at start) without connecting to the broker.
/// </summary>
public static class EnrollCommand
{
    public static int Execute(AgentConfig config, bool dryRun, TextWriter output, ILoggerFactory loggers)
    {
        using var source = SourceDatabase.OpenExisting(config.DatabasePath);
        var journal = new JournalStore(source);
        var enroller = new Enroller(source, journal, config, loggers.CreateLogger("EdgeSync.Agent"));
        IReadOnlyList<TableDecision> decisions;
        if (dryRun)
            decisions = enroller.Plan();
        else
        {
            var rebuilt = journal.ReadIdentity() is null;
            if (rebuilt)
            {
                using var transaction = source.BeginImmediate();
                journal.CreateIdentity(transaction);
                transaction.Commit();
            }
            decisions = enroller.Apply(baselineAll: rebuilt);
        }

        output.WriteLine($"{(dryRun ? "Would enroll (dry run, nothing changed)" : "Enrolled")} in {config.DatabasePath}:");
        if (decisions.Count == 0)
            output.WriteLine("  (no user tables)");
        foreach (var decision in decisions)
            output.WriteLine($"  {decision.Table}: {decision.Describe()}");
        var refused = decisions.Count(d => d.IsRefused);
        output.WriteLine($"{decisions.Count(d => d.Outcome is TableOutcome.Enrolled or TableOutcome.EnrolledTelemetry)} captured, {refused} refused, " +
                         $"{decisions.Count(d => d.Outcome is TableOutcome.Ignored)} skipped");
        return AgentExitCodes.Ok;
    }
}
