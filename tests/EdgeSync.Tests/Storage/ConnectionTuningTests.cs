using EdgeSync.Tests.Infrastructure;
using Npgsql;

namespace EdgeSync.Tests.Storage;

/// <summary>
/// The pool the node writes batches through skips the reset (DISCARD ALL) on each return: one
/// round trip and one transaction fewer per batch. Seen from PostgreSQL: session state survives
/// a close and reopen of the one pooled connection.
/// </summary>
public sealed class ConnectionTuningTests
{
    private static async Task<string> ApplicationNameAfterReopenAsync(string connectionString)
    {
        var single = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 1 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(single);
        await using (var first = await dataSource.OpenConnectionAsync())
        await using (var set = new NpgsqlCommand("SET application_name = 'left-behind'", first))
            await set.ExecuteNonQueryAsync();
        await using var second = await dataSource.OpenConnectionAsync();
        await using var show = new NpgsqlCommand("SHOW application_name", second);
        return (string)(await show.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task The_node_pool_does_not_reset_connections_on_return_unless_the_connection_string_asks_for_it()
    {
        var server = TestDatabase.ServerConnectionString;

        Assert.Equal("left-behind", await ApplicationNameAfterReopenAsync(EdgeStore.Tuned(server)));
        Assert.NotEqual("left-behind", await ApplicationNameAfterReopenAsync(EdgeStore.Tuned(server + ";No Reset On Close=false")));
        Assert.Equal(64 * 1024, new NpgsqlConnectionStringBuilder(EdgeStore.Tuned(server)).WriteBufferSize);
        Assert.Equal(16 * 1024, new NpgsqlConnectionStringBuilder(EdgeStore.Tuned(server + ";Write Buffer Size=16384")).WriteBufferSize);
    }
}
