using System.Collections.Concurrent;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeSync.Fleets;

/// <summary>
/// Carries a registry decision to the lineages whose reviews wait for it: each lineage approves its
/// own review under the decision (its own event, its own replay). Safe to run again and to run twice
/// at once: a lineage that already accepted the schema under the decision answers done.
/// </summary>
public sealed class RegistryFanOut(IGrainFactory grains, RegistryStore registry, IOptions<FleetOptions> options, ILogger<RegistryFanOut> logger)
{
    /// <summary>
    /// Approves the decision's recorded targets and any review of the schema opened since (queued
    /// while the decision was being recorded). Answers the approved review ids. Throws when a lineage
    /// could not be reached: the fan-out is then not complete and is run again later.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> RunAsync(RegistryDecision decision, CancellationToken ct = default)
    {
        var since = await registry.OpenReviewsAsync(decision.ProjectId, decision.SourceTable, decision.SchemaHash, ct);
        var targets = decision.Targets.Concat(since.Select(r => r.Target)).DistinctBy(t => t.ReviewId).ToList();
        var approved = new ConcurrentBag<Guid>();
        using var gate = new SemaphoreSlim(Math.Max(1, options.Value.FanOutParallelism));
        await Task.WhenAll(targets.Select(async target =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var lineage = grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(target.DeviceId, decision.SourceTable));
                var result = await lineage.ApproveReview(new ApproveReview(target.ReviewId, 0, decision.ColumnActions, decision.MirrorTableName,
                    decision.DecidedBy, EnumNames.Of(decision.MirrorLayout), decision.Id));
                if (result.Succeeded)
                    approved.Add(target.ReviewId);
                else if (result.Status >= 500)
                    throw new InvalidOperationException($"Review {target.ReviewId}: {result.Code} {result.Detail}");
                else
                    logger.LogInformation("Registry decision {DecisionId} left review {ReviewId} alone: {Code} {Detail}",
                        decision.Id, target.ReviewId, result.Code, result.Detail);
            }
            finally
            {
                gate.Release();
            }
        }));
        return targets.Select(t => t.ReviewId).Where(approved.Contains).ToList();
    }
}
