using EdgeSync.Lineages;
using EdgeSync.Storage;
using Marten;
using Microsoft.Extensions.Options;

namespace EdgeSync.Silo.Hosting;

/// <summary>
/// At start, wakes the grains of lineages whose replay was interrupted, so that a restarted
/// cluster goes on draining at once instead of at the next tick of their replay reminder. Then,
/// every <see cref="LineageOptions.WatchdogInterval"/>, hands every lineage that has staged rows,
/// nothing blocking its writes and no replay progress for <see cref="LineageOptions.ReplayStallAfter"/>
/// to its grain, which reloads, records the stall and restarts the replay. It is the backstop for
/// whatever else stops a replay: a grain that could not even reload after a lost commit answer
/// has nothing else to wake it when the device is quiet.
/// </summary>
public sealed class ReplayWatchdog(
    IDocumentStore store, IGrainFactory grains, IOptions<LineageOptions> options, TimeProvider clock,
    IHostApplicationLifetime lifetime, ILogger<ReplayWatchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grain calls need the silo to be running, which it is once the application has started.
        await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ContinueWith(_ => { }, TaskScheduler.Default);
        if (stoppingToken.IsCancellationRequested)
            return;
        await WakeInterruptedAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.WatchdogInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            await RestartStalledAsync(stoppingToken);
    }

    private async Task WakeInterruptedAsync(CancellationToken ct)
    {
        try
        {
            await using var session = store.QuerySession();
            var completed = EnumNames.Of(ReplayStatus.Completed);
            var interrupted = await session.Query<LineageView>()
                .Where(l => l.ReplayIntent != null && l.ReplayIntent.Status != completed)
                .Select(l => new { l.DeviceId, l.SourceTable })
                .ToListAsync(ct);
            foreach (var lineage in interrupted)
                await grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(lineage.DeviceId, lineage.SourceTable)).GetLineageId();
            if (interrupted.Count > 0)
                logger.LogInformation("Woke {Count} lineage(s) with an unfinished replay", interrupted.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not wake lineages with unfinished replays; their reminders will");
        }
    }

    private async Task RestartStalledAsync(CancellationToken ct)
    {
        var stallAfter = options.Value.ReplayStallAfter;
        try
        {
            var quietSince = clock.GetUtcNow() - stallAfter;
            await using var session = store.QuerySession();
            // A first look at the operators' views; the grain decides on the state it reloads.
            var candidates = await session.Query<LineageView>().Where(l => l.Counters.StagedRowCount > 0 && !l.WritesBlocked).ToListAsync(ct);
            foreach (var lineage in candidates.Where(l => (l.ReplayIntent?.LastProgressAt ?? l.ReplayIntent?.UpdatedAt ?? l.UpdatedAt) < quietSince))
            {
                try
                {
                    var grain = grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(lineage.DeviceId, lineage.SourceTable));
                    if (await grain.RestartStalledReplay(stallAfter))
                        logger.LogWarning("Watchdog: restarted the stalled replay of lineage {LineageId}", lineage.Id);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Watchdog: could not restart the replay of lineage {LineageId}", lineage.Id);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Watchdog: could not look for stalled lineages; trying again in {Interval}", options.Value.WatchdogInterval);
        }
    }
}
