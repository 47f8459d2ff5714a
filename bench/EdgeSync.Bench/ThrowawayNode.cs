using EdgeSync.Api.Auth;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace EdgeSync.Bench;

/// <summary>
/// A node of the Release build on a database of its own, with a platform administrator's API client;
/// disposing it stops the node and drops the database. The single-node benchmarks start from one.
/// </summary>
public sealed class ThrowawayNode : IAsyncDisposable
{
    private readonly string _adminConnection;
    private readonly string _database;

    public Node Node { get; }
    public OperatorApi Api { get; }
    /// <summary>The name of the node's database.</summary>
    public string Database => _database;

    /// <summary>The node's database.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder(_adminConnection) { Database = _database }.ConnectionString;

    private ThrowawayNode(string adminConnection, string database, Node node, OperatorApi api)
    {
        (_adminConnection, _database, Node, Api) = (adminConnection, database, node, api);
    }

    public static async Task<ThrowawayNode> StartAsync(string pg, CancellationToken ct)
    {
        var silo = Path.Combine(BenchRun.RepoRoot(), "src", "Silo", "bin", "Release", "net10.0", "EdgeSync.Silo.dll");
        var admin = new NpgsqlConnectionStringBuilder(pg).ConnectionString;
        var database = $"edgesync_bench_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Guid.NewGuid():N}"[..40];
        await using (var server = NpgsqlDataSource.Create(admin))
        await using (var create = server.CreateCommand($"CREATE DATABASE \"{database}\""))
            await create.ExecuteNonQueryAsync(ct);
        Node? node = null;
        try
        {
            node = await Node.StartAsync(silo, new NpgsqlConnectionStringBuilder(pg) { Database = database }.ConnectionString, TimeSpan.FromMinutes(3));
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(Path.GetDirectoryName(silo)!, "appsettings.json"), optional: false)
                .AddEnvironmentVariables()
                .Build();
            return new ThrowawayNode(admin, database, node, new OperatorApi(node.HttpPort, DevTokens.Mint(configuration, ["PLATFORM_ADMIN"], "edgesync-bench")));
        }
        catch
        {
            if (node is not null)
                await node.DisposeAsync();
            await BenchRun.DropDatabaseAsync(admin, database);
            throw;
        }
    }

    /// <summary>The node's resident set size now.</summary>
    public long Rss()
    {
        foreach (var line in File.ReadLines($"/proc/{Node.Pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        throw new InvalidOperationException($"no VmRSS for process {Node.Pid}");
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Node.DisposeAsync();
        await BenchRun.DropDatabaseAsync(_adminConnection, _database);
    }
}
