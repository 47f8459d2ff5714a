using System.Data.Common;
using Npgsql;

namespace EdgeSync.Silo.Database;

/// <summary>
/// The most connections one node opens to PostgreSQL (<c>Database:MaxConnections</c>): a few for
/// Orleans (membership, reminders, grain state), the rest for the pool that Marten and the
/// lineage writes share. A busy pool makes a command wait up to a minute for a connection
/// instead of failing. A connection string that sets its own pool size or timeout keeps them.
/// </summary>
public sealed record ConnectionBudget(int MaxConnections)
{
    /// <summary>Three nodes stay well under PostgreSQL's stock <c>max_connections = 100</c>.</summary>
    public const int Default = 24;

    private const int ForOrleansProviders = 4;
    private const int WaitSeconds = 60;

    public string ForStore(string connectionString) => Bounded(connectionString, Math.Max(2, MaxConnections - ForOrleansProviders));

    public string ForOrleans(string connectionString) => Bounded(connectionString, ForOrleansProviders);

    private static string Bounded(string connectionString, int maxPoolSize)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey answers for every keyword it knows, set or not;
        // what the string itself sets is read from a plain builder.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("maxpoolsize") && !given.Contains("maximumpoolsize"))
            builder.MaxPoolSize = maxPoolSize;
        if (!given.Contains("timeout"))
            builder.Timeout = WaitSeconds;
        return builder.ConnectionString;
    }
}
