using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Storage;

/// <summary>A node opens at most <c>Database:MaxConnections</c> connections, and a burst waits for them instead of failing.</summary>
public sealed class ConnectionBudgetTests
{
    [Fact]
    public async Task A_burst_of_devices_is_served_within_the_connection_budget_without_a_failure()
    {
        const int budget = 8;
        var node = new NodeFixture { Settings = { ["Database:MaxConnections"] = budget.ToString() } };
        await node.InitializeAsync();
        try
        {
            var project = await Fleet.CreateProjectAsync(node);
            var devices = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Fleet.RegisterDeviceAsync(node, project)));
            var connections = await Task.WhenAll(devices.Select(d => d.ConnectAsync(node)));
            var database = new NpgsqlConnectionStringBuilder(node.ConnectionString).Database!;
            var most = 0;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(node.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString);
                await admin.OpenAsync();
                while (!sampling.IsCancellationRequested)
                {
                    await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", admin);
                    count.Parameters.Add(new NpgsqlParameter { Value = database });
                    most = Math.Max(most, (int)(long)(await count.ExecuteScalarAsync())!);
                    await Task.Delay(20);
                }
            });

            var results = await Task.WhenAll(connections.SelectMany(c => Enumerable.Range(0, 3).Select(i =>
                c.PublishAsync("sync/rows/batch", new BatchPayloads($"t{i}").BatchJson(BatchPayloads.Inserts(1, 20))))));
            sampling.Cancel();
            await sampler;

            Assert.All(results, r => Assert.Equal(MqttClientPublishReasonCode.Success, r.ReasonCode));
            Assert.InRange(most, 1, budget);
            foreach (var connection in connections)
                await connection.DisposeAsync();
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
