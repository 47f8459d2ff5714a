using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Api.Idempotency;

/// <summary>Deletes expired idempotency records every hour (safe to run on every silo).</summary>
internal sealed class IdempotencyCleanup(IdempotencyStore store, ILogger<IdempotencyCleanup> logger) : BackgroundService
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
                    var purged = await store.PurgeExpiredAsync(stoppingToken);
                    if (purged > 0)
                        logger.LogInformation("Purged {Count} expired idempotency records", purged);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Purging expired idempotency records failed");
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
