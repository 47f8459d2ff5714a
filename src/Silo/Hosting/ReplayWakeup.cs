using EdgeSync.Lineages;
using Marten;

namespace EdgeSync.Silo.Hosting;

/// <summary>
/// At start, wakes the grains of lineages whose replay was interrupted, so that a restarted
/// cluster goes on draining at once instead of at the next tick of their replay reminder.
/// </summary>
public sealed class ReplayWakeup(IDocumentStore store, IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<ReplayWakeup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grain calls need the silo to be running, which it is once the application has started.
        await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ContinueWith(_ => { }, TaskScheduler.Default);
        if (stoppingToken.IsCancellationRequested)
            return;
        try
        {
            await using var session = store.QuerySession();
            var interrupted = await session.Query<Lineage>()
                .Where(l => l.Replay != null && l.Replay.Status != ReplayStatus.Completed)
                .Select(l => new { l.DeviceId, l.SourceTable })
                .ToListAsync(stoppingToken);
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
}
