using System.Net;
using EdgeSync.Api.Idempotency;
using EdgeSync.Tests.Infrastructure;
using Npgsql;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

/// <summary>A device secret is shown in one response and rests nowhere in clear.</summary>
[Collection(NodeCollection.Name)]
public sealed class SecretsAtRestTests(NodeFixture node)
{
    [Fact]
    public async Task No_secret_of_a_created_or_rotated_device_is_stored_in_clear_and_replays_answer_without_it()
    {
        var project = await Fleet.CreateProjectAsync(node);
        using var manager = node.CreateClient($"{project}:PROJECT_CAN_MANAGE_DEVICES");
        var createKey = Guid.NewGuid().ToString();
        var created = await manager.PostJsonAsync($"{Base}/projects/{project}/devices", new { name = "gw-secret" }, createKey);
        var device = await created.AssertOkAsync(HttpStatusCode.Created);
        var deviceId = device["data"]!["id"]!.GetValue<string>();
        var firstSecret = device["data"]!["secret"]!.GetValue<string>();

        var rotateKey = Guid.NewGuid().ToString();
        var rotated = await manager.PostJsonAsync($"{Base}/projects/{project}/devices/{deviceId}/rotate-secret", new { }, rotateKey);
        var secondSecret = (await rotated.AssertOkAsync(HttpStatusCode.OK))["data"]!["secret"]!.GetValue<string>();

        var createReplay = await manager.PostJsonAsync($"{Base}/projects/{project}/devices", new { name = "gw-secret" }, createKey);
        var createReplayBody = await createReplay.AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal("true", createReplay.Headers.GetValues(IdempotencyFilter.ReplayedHeaderName).Single());
        Assert.Equal(deviceId, createReplayBody["data"]!["id"]!.GetValue<string>());
        Assert.Null(createReplayBody["data"]!["secret"]);
        var rotateReplay = await manager.PostJsonAsync($"{Base}/projects/{project}/devices/{deviceId}/rotate-secret", new { }, rotateKey);
        Assert.Null((await rotateReplay.AssertOkAsync(HttpStatusCode.OK))["data"]!["secret"]);

        foreach (var secret in new[] { firstSecret, secondSecret })
            Assert.Empty(await TablesHoldingAsync(secret));
    }

    /// <summary>Every table of the node's database whose rows, as text, contain <paramref name="text"/>.</summary>
    private async Task<List<string>> TablesHoldingAsync(string text)
    {
        await using var connection = new NpgsqlConnection(node.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables " +
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        var holding = new List<string>();
        foreach (var table in tables)
        {
            await using var search = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {table} t WHERE strpos(t::text, $1) > 0)", connection);
            search.Parameters.Add(new NpgsqlParameter { Value = text });
            if ((bool)(await search.ExecuteScalarAsync())!)
                holding.Add(table);
        }
        return holding;
    }
}
