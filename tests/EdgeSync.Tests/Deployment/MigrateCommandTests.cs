using System.Net;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Deployment;

/// <summary>
/// Migrations run once with a privileged role (<c>migrate</c>), and nodes run as a role without
/// DDL rights (<c>Database:ApplyMigrations=false</c>).
/// </summary>
public sealed class MigrateCommandTests(ITestOutputHelper output)
{
    private const string RuntimeRole = "edgesync_runtime";
    private static readonly Dictionary<string, string> NoMigrations = new() { ["Database:ApplyMigrations"] = "false" };

    /// <summary>Starts a node that may not migrate, on free ports, and waits for it to exit.</summary>
    private static Task<SiloCommand.Result> StartWithoutMigrationsAsync(string database)
    {
        var ports = NodeProcess.Ports.Free();
        return SiloCommand.RunAsync(database, [], new Dictionary<string, string>(NoMigrations)
        {
            ["Http:Port"] = ports.Http.ToString(), ["Mqtt:Port"] = ports.Mqtt.ToString(),
            ["Orleans:SiloPort"] = ports.Silo.ToString(), ["Orleans:GatewayPort"] = ports.Gateway.ToString(),
        }, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_node_running_as_a_role_without_DDL_rights_ingests_and_creates_mirror_tables_after_migrate_granted_it_the_runtime_rights()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        await ExecuteAsync(postgres.ConnectionString, $"CREATE ROLE {RuntimeRole} LOGIN");

        var migrate = await SiloCommand.RunAsync(postgres.ConnectionString, ["migrate", "--grant-runtime-role", RuntimeRole]);
        Assert.True(migrate.ExitCode == 0, migrate.Output);

        // The role may create nothing in the core schemas or the database, only in the mirror schemas.
        Assert.Equal([false, false, false, true, true], await ScalarsAsync<bool>(postgres.ConnectionString,
            $"""
            SELECT has_database_privilege('{RuntimeRole}', current_database(), 'CREATE') UNION ALL
            SELECT has_schema_privilege('{RuntimeRole}', 'edgesync', 'CREATE') UNION ALL
            SELECT has_schema_privilege('{RuntimeRole}', 'public', 'CREATE') UNION ALL
            SELECT has_schema_privilege('{RuntimeRole}', 'edge_mirror', 'CREATE') UNION ALL
            SELECT has_schema_privilege('{RuntimeRole}', 'edge_mirror_tombstones', 'CREATE')
            """));

        var runtime = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Username = RuntimeRole }.ConnectionString;
        var ports = NodeProcess.Ports.Free();
        await using var node = await NodeProcess.StartAsync(runtime, ports, NoMigrations);
        try
        {
            await IngestAndMirrorAsync(postgres, ports);
            // The browser sign-in keeps its keys in a Marten document: migrate must have made its table.
            using var browser = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
            using var login = await browser.GetAsync("/login");
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.DoesNotContain("42P01", node.Log);
        }
        finally
        {
            output.WriteLine(node.Log);
        }
    }

    private static async Task IngestAndMirrorAsync(PrivatePostgres postgres, NodeProcess.Ports ports)
    {
        using var admin = TwoNodes.Http(ports, TwoNodes.AdminToken());
        var device = await Fleet.RegisterDeviceAsync(admin);
        using var api = new EdgeApi(TwoNodes.Http(ports, TwoNodes.AdminToken()), device.ProjectId);
        await using var mqtt = await TestDevice.ConnectAsync(ports.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
        using var source = new SqliteSource("meter", "k INTEGER PRIMARY KEY NOT NULL, t TEXT");
        source.Upsert(new Dictionary<string, object?> { ["k"] = 1L, ["t"] = "one" });
        source.Upsert(new Dictionary<string, object?> { ["k"] = 2L, ["t"] = "two" });
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);

        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(),
            [new { source_column_name = "k", action = "mirror" }, new { source_column_name = "t", action = "mirror" }]);
        source.Delete(new Dictionary<string, object?> { ["k"] = 1L });
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        await api.WaitForBacklogDrainedAsync(lineageId);

        var mirror = await api.MirrorRowsAsync(lineageId);
        Assert.Equal([(2L, "two")], mirror.Select(r => (r.GetProperty("k").GetInt64(), r.GetProperty("t").GetString())));
        // The node created the mirror table and its tombstones itself, as the runtime role.
        Assert.Equal([RuntimeRole, RuntimeRole], await ScalarsAsync<string>(postgres.ConnectionString,
            "SELECT tableowner::text FROM pg_tables WHERE schemaname IN ('edge_mirror', 'edge_mirror_tombstones') ORDER BY schemaname"));
    }

    [Fact]
    public async Task A_node_that_may_not_migrate_refuses_to_start_on_an_empty_database_naming_the_migrate_command()
    {
        var database = await TestDatabase.CreateAsync();

        var refused = await StartWithoutMigrationsAsync(database);

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("Database:ApplyMigrations is false and the database is not migrated for this release", refused.Output);
        Assert.Contains("the Orleans tables were never migrated", refused.Output);
        Assert.Contains("migrate", refused.Output);
        // It created nothing on its way out.
        Assert.Equal([0L], await ScalarsAsync<long>(database,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"));
    }

    [Fact]
    public async Task A_node_that_may_not_migrate_refuses_a_database_migrated_by_an_older_release_naming_what_differs()
    {
        var database = await TestDatabase.CreateAsync();
        var migrate = await SiloCommand.RunAsync(database, ["migrate"]);
        Assert.True(migrate.ExitCode == 0, migrate.Output);
        // What an older release would have left: another Orleans script, a service table it did not have yet.
        await ExecuteAsync(database, "UPDATE edgesync_migrations SET fingerprint = 'older'; DROP TABLE edgesync.edge_upload_keys");

        var refused = await StartWithoutMigrationsAsync(database);

        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("the Orleans tables were migrated by another release", refused.Output);
        Assert.Contains("edgesync.edge_upload_keys", refused.Output);
        Assert.Equal([false], await ScalarsAsync<bool>(database, "SELECT to_regclass('edgesync.edge_upload_keys') IS NOT NULL"));
    }

    [Fact]
    public async Task Running_migrate_a_second_time_changes_nothing()
    {
        var database = await TestDatabase.CreateAsync();
        var first = await SiloCommand.RunAsync(database, ["migrate"]);
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("Orleans tables: migrated", first.Output);
        Assert.Contains("created or updated", first.Output);
        const string Catalog =
            """
            SELECT n.nspname || '.' || c.relname || ':' || c.oid || ':' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
            UNION ALL SELECT p.proname || ':' || p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'edgesync'
            ORDER BY 1
            """;
        var before = await ScalarsAsync<string>(database, Catalog);
        var marks = await ScalarsAsync<DateTime>(database, "SELECT applied_at FROM edgesync_migrations");

        var second = await SiloCommand.RunAsync(database, ["migrate"]);

        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("Orleans tables: up to date", second.Output);
        Assert.Contains("Store schema edgesync: up to date", second.Output);
        Assert.Equal(before, await ScalarsAsync<string>(database, Catalog));
        Assert.Equal(marks, await ScalarsAsync<DateTime>(database, "SELECT applied_at FROM edgesync_migrations"));
    }

    [Fact]
    public async Task Migrate_refuses_a_role_name_PostgreSQL_cannot_take_with_a_usage_error()
    {
        var database = await TestDatabase.CreateAsync();
        var bad = await SiloCommand.RunAsync(database, ["migrate", "--grant-runtime-role", new string('r', 64)]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--grant-runtime-role needs a role name", bad.Output);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<T>> ScalarsAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
            values.Add(reader.GetFieldValue<T>(0));
        return values;
    }
}
