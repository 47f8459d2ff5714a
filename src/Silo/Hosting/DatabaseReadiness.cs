using Npgsql;

namespace EdgeSync.Silo.Hosting;

/// <summary>Waits for PostgreSQL at start, so a node started before its database comes up by itself.</summary>
public static class DatabaseReadiness
{
    public static async Task WaitAsync(string connectionString, ILogger logger, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && DateTimeOffset.UtcNow < deadline)
            {
                logger.LogWarning("PostgreSQL is not reachable yet ({Message}); retrying in {Delay}", e.Message, delay);
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }
}
