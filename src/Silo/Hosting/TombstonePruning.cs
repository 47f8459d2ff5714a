using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeSync.Silo.Hosting;

/// <summary>
/// Deletes the mirrors' tombstones older than <see cref="LineageOptions.TombstoneRetention"/>, a
/// minute after start and then hourly. Every node runs it; two at once only delete the same rows.
/// </summary>
public sealed class TombstonePruning(
    MirrorTombstones tombstones, NpgsqlDataSource dataSource, IOptions<LineageOptions> options, ILogger<TombstonePruning> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMinutes(1), stoppingToken);
            using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
            do
            {
                try
                {
                    var pruned = await tombstones.PruneAsync(dataSource, options.Value.TombstoneRetention, stoppingToken);
                    if (pruned > 0)
                        logger.LogInformation("Pruned {Count} tombstones older than {Retention}", pruned, options.Value.TombstoneRetention);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Pruning tombstones failed; trying again in an hour");
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
