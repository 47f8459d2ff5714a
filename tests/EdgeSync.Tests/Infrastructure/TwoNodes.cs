using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>Two node processes of one cluster on a fresh database; disposing them kills whichever still runs.</summary>
public sealed record TwoNodes(NodeProcess.Ports FirstPorts, NodeProcess First, NodeProcess.Ports SecondPorts, NodeProcess Second) : IAsyncDisposable
{
    public static async Task<TwoNodes> StartAsync(IDictionary<string, string>? settings = null)
    {
        var database = await TestDatabase.CreateAsync();
        var (firstPorts, secondPorts) = (NodeProcess.Ports.Free(), NodeProcess.Ports.Free());
        var first = await NodeProcess.StartAsync(database, firstPorts, settings);
        var second = await NodeProcess.StartAsync(database, secondPorts, settings);
        Assert.Equal(2, await ActiveSilosAsync(database));
        return new TwoNodes(firstPorts, first, secondPorts, second);
    }

    public async ValueTask DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
    }

    /// <summary>A platform administrator's token for the nodes' development key.</summary>
    public static string AdminToken() =>
        DevTokens.Mint(new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build(), ["PLATFORM_ADMIN"]);

    public static HttpClient Http(NodeProcess.Ports ports, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<long> ActiveSilosAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM orleansmembershiptable WHERE status = 3", connection);
            var active = (long)(await command.ExecuteScalarAsync())!;
            if (active >= 2 || DateTime.UtcNow > deadline)
                return active;
            await Task.Delay(200);
        }
    }
}
