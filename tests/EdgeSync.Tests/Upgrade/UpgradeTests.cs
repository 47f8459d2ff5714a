using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using EdgeSync.Wire;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Upgrade;

/// <summary>
/// Operators upgrade nodes over the database of the previous release: the node must start on it
/// (its schema migrations accept what is there) and its lineages must carry on — the approved one
/// keeps its mirror and takes new batches, the one waiting for review can still be approved.
/// </summary>
public sealed class UpgradeTests
{
    private static readonly Guid ProjectId = Guid.Parse("01a21299-f7ee-7607-81f7-27589b841c83");
    private static readonly Guid DeviceId = Guid.Parse("01a21299-f952-7f2d-88f9-b4b6b2601b5b");
    private const string DeviceSecret = "LYM-Q3tycMBPjJYDWGovykQ_3ykozwmz";

    private static async Task<string> DatabaseOfReleaseAsync(string dump)
    {
        var connectionString = await TestDatabase.CreateAsync("upgrade");
        // psql meta-commands (\restrict) are not SQL; everything else is plain statements.
        var script = string.Join('\n', File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Upgrade", dump)).Where(l => !l.StartsWith('\\')));
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var load = new NpgsqlCommand(script, connection);
        await load.ExecuteNonQueryAsync();
        return connectionString;
    }

    [Fact]
    public async Task A_database_of_the_previous_release_starts_and_its_lineages_carry_on()
    {
        var node = new NodeFixture { ConnectionString = await DatabaseOfReleaseAsync("release-82639dd.sql") };
        await node.InitializeAsync();
        try
        {
            using var api = new EdgeApi(node.CreateClient($"{ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), ProjectId);
            var active = await api.LineageOfAsync(DeviceId, "device_state");
            var waiting = await api.LineageOfAsync(DeviceId, "alarms");
            Assert.Equal("active", active.GetProperty("status").GetString());
            Assert.Equal(3, (await api.MirrorRowsAsync(active.GetProperty("id").GetGuid())).Count);
            Assert.Equal(2, waiting.GetProperty("staged_row_count").GetInt64());
            // Stored before mirror layouts existed: its table is its own.
            Assert.Equal("per_device", (await api.LineageAsync(active.GetProperty("id").GetGuid())).GetProperty("mirror").GetProperty("layout").GetString());

            // The approved table takes a new batch from the device, with the secret it was given then.
            var schema = new SchemaFingerprint("device_state",
                [new SchemaColumn("id", "INTEGER", false, 1), new SchemaColumn("mode", "TEXT", true, 0), new SchemaColumn("setpoint", "REAL", false, 0)]);
            Assert.Equal(active.GetProperty("accepted_schema_hash").GetString(), schema.ComputeHash());
            var batch = new JsonObject
            {
                ["format_version"] = 1,
                ["capture_strategy"] = "sqlite_row_batch_v1",
                ["batch_id"] = Guid.CreateVersion7().ToString(),
                ["journal_epoch"] = Guid.CreateVersion7().ToString(),
                ["source_table"] = "device_state",
                ["schema_hash"] = schema.ComputeHash(),
                ["first_commit_seq"] = 1,
                ["last_commit_seq"] = 1,
                ["rows"] = new JsonArray(new JsonObject
                {
                    ["commit_seq"] = 1, ["op"] = "insert", ["pk"] = new JsonObject { ["id"] = 4 },
                    ["row"] = new JsonObject { ["id"] = 4, ["mode"] = "defrost", ["setpoint"] = 4.5 },
                }),
            };
            await using (var device = await TestDevice.ConnectAsync(node.MqttPort, "upgrade/gw-up", "upgrade/gw-up", DeviceSecret, "upgrade/gw-up"))
                Assert.Equal(MqttClientPublishReasonCode.Success, (await device.PublishAsync("sync/rows/batch", batch.ToJsonString())).ReasonCode);
            var rows = await api.MirrorRowsAsync(active.GetProperty("id").GetGuid());
            Assert.Equal(4, rows.Count);
            Assert.Contains(rows, r => r.GetProperty("mode").GetString() == "defrost");

            // The table that waited for its review is approved now, and its staged rows are replayed.
            var review = await api.OpenReviewAsync(waiting.GetProperty("id").GetGuid());
            await api.ApproveAsync(review.GetProperty("id").GetGuid(),
                [new { source_column_name = "code", action = "mirror" }, new { source_column_name = "severity", action = "mirror" }, new { source_column_name = "message", action = "mirror" }]);
            await api.WaitForBacklogDrainedAsync(waiting.GetProperty("id").GetGuid());
            Assert.Equal(2, (await api.MirrorRowsAsync(waiting.GetProperty("id").GetGuid())).Count);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
