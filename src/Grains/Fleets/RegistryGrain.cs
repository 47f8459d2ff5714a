using EdgeSync.Lineages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeSync.Fleets;

/// <summary>
/// One project's schema registry. Decisions are recorded and revoked one at a time here; the fan-out
/// of a decision is run by whoever recorded it, and a reminder finishes any fan-out that a node's
/// death interrupted (an approval reaching a lineage twice changes nothing).
/// </summary>
public sealed class RegistryGrain(RegistryStore registry, RegistryFanOut fanOut, IOptions<FleetOptions> options, TimeProvider clock, ILogger<RegistryGrain> logger)
    : Grain, IRegistryGrain, IRemindable
{
    private const string FanOutReminder = "fan-out";

    private Guid ProjectId => this.GetPrimaryKey();

    public async Task<RegistryResult> Record(RecordRegistryDecision command)
    {
        var (table, hash) = (command.SourceTable, command.SchemaHash);
        var inForce = await registry.InForceAsync(ProjectId, table, hash);
        var columns = inForce is null ? await registry.ColumnsAsync(ProjectId, table, hash) : null;
        var open = await registry.OpenReviewsAsync(ProjectId, table, hash);
        var defaultLayout = await registry.DefaultLayoutAsync(ProjectId);
        var timestampColumn = inForce is null ? await registry.TimestampColumnAsync(ProjectId, table, hash) : null;
        var decisionId = Guid.CreateVersion7();
        var (events, result) = RegistryDecisions.Record(ProjectId, command, inForce, columns, open, defaultLayout, decisionId, clock.GetUtcNow(), timestampColumn);
        if (events.Count == 0)
            return new RegistryResult(result, result.Succeeded ? inForce?.Id : null);
        // The reminder is registered before the decision exists, so no decision is ever without one.
        await this.RegisterOrUpdateReminder(FanOutReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await registry.AppendAsync(null, decisionId, events);
        return new RegistryResult(CommandResult.Done, decisionId);
    }

    public async Task<RegistryResult> Revoke(Guid decisionId, string actor)
    {
        if (await registry.LoadAsync(ProjectId, decisionId) is not { } decision)
            return new RegistryResult(CommandResult.NotFound("registry_decision_not_found", $"Registry decision {decisionId} does not exist in this project."), null);
        var events = RegistryDecisions.Revoke(decision, actor, clock.GetUtcNow());
        if (events.Count > 0)
            await registry.AppendAsync(decision, decisionId, events);
        return new RegistryResult(CommandResult.Done, decisionId);
    }

    public async Task CompleteFanOut(Guid decisionId, IReadOnlyList<Guid> approvedReviewIds)
    {
        if (await registry.LoadAsync(ProjectId, decisionId) is not { } decision)
            return;
        var events = RegistryDecisions.CompleteFanOut(decision, approvedReviewIds, clock.GetUtcNow());
        if (events.Count > 0)
            await registry.AppendAsync(decision, decisionId, events);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != FanOutReminder)
            return;
        var running = await registry.FanningOutAsync(ProjectId);
        foreach (var decision in running.Where(d => clock.GetUtcNow() - d.DecidedAt >= options.Value.FanOutTakeoverAfter))
        {
            logger.LogInformation("Resuming the fan-out of registry decision {DecisionId}", decision.Id);
            await CompleteFanOut(decision.Id, await fanOut.RunAsync(decision));
        }
        if (running.Count == 0 && await this.GetReminder(FanOutReminder) is { } reminder)
            await this.UnregisterReminder(reminder);
    }
}
