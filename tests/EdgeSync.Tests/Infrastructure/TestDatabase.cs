using Npgsql;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// A throwaway database on the PostgreSQL server that scripts/test.sh started, so tests never
/// see each other's rows. The server is found through EDGESYNC_TEST_PG (a connection string
/// without a database), defaulting to the private cluster of scripts/postgres.sh.
/// </summary>
public static class TestDatabase
{
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("EDGESYNC_TEST_PG")
        ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";

    public static async Task<string> CreateAsync(string prefix = "t")
    {
        var name = $"edgesync_{prefix}_{Guid.NewGuid():N}"[..40];
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }
}
