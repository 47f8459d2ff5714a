using EdgeSync.Mirrors;
using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Tests.Mirrors;

public class MirrorSchemaWriterTests(MirrorDatabase db) : IClassFixture<MirrorDatabase>
{
    private static readonly MirrorColumn[] Readings =
    [
        new("id", "id", "INTEGER", 1),
        new("temperature", "Temperature", "REAL", 0),
        new("label", "label", "TEXT", 0),
        new("raw", "raw", "BLOB", 0),
        new("amount", "amount", "NUMERIC", 0),
    ];

    [Fact]
    public async Task Creates_the_table_with_platform_columns_types_key_and_owner()
    {
        var device = Guid.NewGuid();
        var lineage = Guid.NewGuid();
        var name = await db.ProvisionAsync(device, "Readings", Readings, lineage: lineage);

        Assert.Equal(MirrorNaming.DefaultTableName(device, "Readings"), name);
        Assert.Equal(
            [
                ("_edge_device_id", "uuid", true), ("_edge_journal_epoch", "uuid", true), ("_edge_commit_seq", "bigint", true),
                ("_edge_created_at", "timestamp with time zone", true), ("_edge_updated_at", "timestamp with time zone", true),
                ("id", "bigint", true), ("temperature", "double precision", false), ("label", "text", false),
                ("raw", "bytea", false), ("amount", "numeric", false),
            ],
            await db.ColumnsAsync(name));
        Assert.Equal(["id"], await PrimaryKeyAsync(name));
        var owner = await db.InTransactionAsync((c, t) => db.SchemaWriter.GetOwnerAsync(c, t, name));
        Assert.Equal(new MirrorTableOwner(lineage, device, "Readings"), owner);
    }

    [Fact]
    public async Task Provisioning_twice_changes_nothing()
    {
        var device = Guid.NewGuid();
        var first = await db.ProvisionAsync(device, "t", Readings);
        var columns = await db.ColumnsAsync(first);
        var second = await db.ProvisionAsync(device, "t", Readings);
        Assert.Equal(first, second);
        Assert.Equal(columns, await db.ColumnsAsync(second));
        Assert.Equal(first, await db.ProvisionAsync(device, "t", Readings, requested: first));
    }

    [Fact]
    public async Task Evolution_adds_missing_columns_and_keeps_the_others()
    {
        var device = Guid.NewGuid();
        var name = await db.ProvisionAsync(device, "t", Readings);
        var evolved = Readings.Where(c => c.Name != "label").Append(new MirrorColumn("humidity", "humidity", "REAL", 0)).ToArray();
        Assert.Equal(name, await db.ProvisionAsync(device, "t", evolved));
        var columns = (await db.ColumnsAsync(name)).Select(c => c.Name).ToList();
        Assert.Contains("label", columns);
        Assert.Equal("humidity", columns[^1]);
    }

    [Fact]
    public async Task A_column_of_another_type_is_a_conflict_and_the_transaction_stays_usable()
    {
        var device = Guid.NewGuid();
        var name = await db.ProvisionAsync(device, "t", Readings);
        var changed = Readings.Select(c => c.Name == "label" ? c with { SqliteAffinity = "INTEGER" } : c)
            .Append(new MirrorColumn("extra", "extra", "TEXT", 0)).ToArray();

        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var conflict = await Assert.ThrowsAsync<MirrorConflictException>(() =>
            db.SchemaWriter.ProvisionAsync(connection, transaction, device, "t", null, changed, Guid.NewGuid()));
        Assert.Equal(MirrorConflictException.ColumnTypeConflict, conflict.Code);
        Assert.Equal("label", conflict.Column);
        Assert.Equal(name, conflict.TableName);
        Assert.Contains("label", conflict.Message);
        await using (var probe = new NpgsqlCommand("SELECT 1", connection, transaction))
            Assert.Equal(1, await probe.ExecuteScalarAsync());
        await transaction.CommitAsync();
        Assert.DoesNotContain("extra", (await db.ColumnsAsync(name)).Select(c => c.Name)); // nothing half-applied
    }

    [Fact]
    public async Task A_different_primary_key_is_a_conflict_and_a_new_name_resolves_it()
    {
        var device = Guid.NewGuid();
        await db.ProvisionAsync(device, "t", Readings);
        var rekeyed = Readings.Select(c => c.Name == "label" ? c with { KeyOrdinal = 2 } : c).ToArray();
        var conflict = await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionAsync(device, "t", rekeyed));
        Assert.Equal(MirrorConflictException.PrimaryKeyChanged, conflict.Code);

        var reordered = Readings.Select(c => c.Name switch { "label" => c with { KeyOrdinal = 1 }, "id" => c with { KeyOrdinal = 2 }, _ => c }).ToArray();
        Assert.Equal(MirrorConflictException.PrimaryKeyChanged, (await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionAsync(device, "t", reordered))).Code);

        var renamed = await db.ProvisionAsync(device, "t", rekeyed, requested: "t_v2_" + device.ToString("N")[..8]);
        Assert.Equal(["id", "label"], await PrimaryKeyAsync(renamed));
    }

    [Fact]
    public async Task Two_source_tables_that_sanitize_alike_get_distinct_tables()
    {
        var device = Guid.NewGuid();
        var first = await db.ProvisionAsync(device, "Temp Sensor", Readings);
        var second = await db.ProvisionAsync(device, "temp_sensor", Readings);
        Assert.Equal(MirrorNaming.DefaultTableName(device, "Temp Sensor"), first);
        Assert.Equal(MirrorNaming.HashedTableName(device, "temp_sensor"), second);
        // each keeps its own table on re-provisioning
        Assert.Equal(first, await db.ProvisionAsync(device, "Temp Sensor", Readings));
        Assert.Equal(second, await db.ProvisionAsync(device, "temp_sensor", Readings));
    }

    [Fact]
    public async Task Devices_sharing_their_first_8_hex_digits_get_distinct_tables()
    {
        var prefix = Guid.NewGuid().ToString("N")[..8];
        var devices = Enumerable.Range(1, 3).Select(i => Guid.Parse($"{prefix}-0000-7000-8000-00000000000{i}")).ToArray();
        var names = new List<string>();
        foreach (var device in devices)
            names.Add(await db.ProvisionAsync(device, "readings", Readings));
        Assert.Equal(MirrorNaming.DefaultTableName(devices[0], "readings"), names[0]);
        Assert.Equal(MirrorNaming.HashedTableName(devices[1], "readings"), names[1]);
        Assert.Equal(MirrorNaming.DeviceHashedTableName(devices[2], "readings"), names[2]);
        for (var i = 0; i < 3; i++)
            Assert.Equal(names[i], await db.ProvisionAsync(devices[i], "readings", Readings));
    }

    [Fact]
    public async Task A_requested_name_is_validated_and_must_not_belong_to_another_source()
    {
        var device = Guid.NewGuid();
        var wanted = "plant_" + device.ToString("N")[..12];
        Assert.Equal(wanted, await db.ProvisionAsync(device, "a", Readings, requested: wanted));
        var taken = await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionAsync(device, "b", Readings, requested: wanted));
        Assert.Equal(MirrorConflictException.TableNameTaken, taken.Code);
        await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionAsync(Guid.NewGuid(), "a", Readings, requested: wanted));

        await Assert.ThrowsAsync<ArgumentException>(() => db.ProvisionAsync(device, "a", Readings, requested: "Bad Name"));
        await Assert.ThrowsAsync<ArgumentException>(() => db.ProvisionAsync(device, "a", Readings, requested: "x\"; drop table y; --"));
        await Assert.ThrowsAsync<ArgumentException>(() => db.ProvisionAsync(device, "a", Readings, requested: "pg_mirror"));
    }

    [Fact]
    public async Task A_relation_without_an_owner_comment_belongs_to_someone_else()
    {
        var device = Guid.NewGuid();
        var defaultName = MirrorNaming.DefaultTableName(device, "t");
        await db.ProvisionAsync(Guid.NewGuid(), "schema_bootstrap", Readings); // makes sure the schema exists
        await db.InTransactionAsync(async (c, t) =>
        {
            await using var create = new NpgsqlCommand($"CREATE TABLE {PgIdentifier.Qualified("edge_mirror", defaultName)} (x int)", c, t);
            return await create.ExecuteNonQueryAsync();
        });
        Assert.Equal(MirrorNaming.HashedTableName(device, "t"), await db.ProvisionAsync(device, "t", Readings));
        var taken = await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionAsync(device, "t", Readings, requested: defaultName));
        Assert.Equal(MirrorConflictException.TableNameTaken, taken.Code);
    }

    [Fact]
    public async Task A_new_lineage_of_the_same_source_takes_the_table_over()
    {
        var device = Guid.NewGuid();
        var name = await db.ProvisionAsync(device, "t", Readings, lineage: Guid.NewGuid());
        var lineage = Guid.NewGuid();
        Assert.Equal(name, await db.ProvisionAsync(device, "t", Readings, lineage: lineage));
        var owner = await db.InTransactionAsync((c, t) => db.SchemaWriter.GetOwnerAsync(c, t, name));
        Assert.Equal(lineage, owner!.LineageId);
    }

    [Fact]
    public async Task Hostile_names_create_a_table_and_inject_nothing()
    {
        var device = Guid.NewGuid();
        await db.InTransactionAsync(async (c, t) =>
        {
            await using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS public.y (v int)", c, t);
            return await create.ExecuteNonQueryAsync();
        });
        const string hostileTable = "x\"; DROP TABLE public.y; --";
        string[] sources = ["id'); DROP TABLE public.y; --", "x\"; DROP TABLE y; --", "select", "Temperatur °C", "温度", "\"\"", "a\nb"];
        var names = MirrorNaming.DefaultColumnNames(sources);
        var columns = sources.Select((s, i) => new MirrorColumn(names[i], s, i == 0 ? "TEXT" : i == 3 ? "REAL" : "TEXT", i == 0 ? 1 : 0)).ToArray();

        var name = await db.ProvisionAsync(device, hostileTable, columns);
        Assert.Equal(MirrorNaming.DefaultTableName(device, hostileTable), name);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'y'"));
        var owner = await db.InTransactionAsync((c, t) => db.SchemaWriter.GetOwnerAsync(c, t, name));
        Assert.Equal(hostileTable, owner!.SourceTable);

        var row = System.Text.Json.JsonSerializer.Serialize(sources.Select((s, i) => (s, (object)(i == 3 ? 21.5 : $"v'\"{i};--"))).ToDictionary(p => p.s, p => p.Item2));
        var pk = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [sources[0]] = "v'\"0;--" });
        await db.ApplyAsync(new MirrorTable(name, columns), device, [Changes.Insert(1, pk, row)]);

        var rows = await db.RowsAsync(name);
        var stored = Assert.Single(rows);
        for (var i = 0; i < sources.Length; i++)
            Assert.Equal(i == 3 ? 21.5 : $"v'\"{i};--", stored[names[i]]);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'y'"));
    }

    [Fact]
    public async Task Invalid_columns_are_refused()
    {
        var device = Guid.NewGuid();
        await Assert.ThrowsAsync<ArgumentException>(() => db.ProvisionAsync(device, "t", [new("v", "v", "TEXT", 0)])); // no key
        await Assert.ThrowsAsync<ArgumentException>(() => db.ProvisionAsync(device, "t", [new("_edge_device_id", "x", "TEXT", 1)]));
        await Assert.ThrowsAsync<ArgumentException>(() => db.ProvisionAsync(device, "t", [new("a", "a", "TEXT", 1), new("a", "b", "TEXT", 0)]));
        await Assert.ThrowsAsync<ArgumentException>(() => db.ProvisionAsync(device, "t", [new("a", "a", "TEXT", 1), new("b", "b", "TEXT", 3)]));
        await Assert.ThrowsAsync<ArgumentException>(() => db.ProvisionAsync(device, "t", [new("A b", "a", "TEXT", 1)]));
    }

    [Fact]
    public async Task Drop_removes_the_table_and_may_be_repeated()
    {
        var device = Guid.NewGuid();
        var name = await db.ProvisionAsync(device, "t", Readings);
        await db.InTransactionAsync(async (c, t) => { await db.SchemaWriter.DropAsync(c, t, name); return 0; });
        await db.InTransactionAsync(async (c, t) => { await db.SchemaWriter.DropAsync(c, t, name); return 0; });
        Assert.Equal(0L, await db.ScalarAsync<long>($"SELECT count(*) FROM pg_tables WHERE tablename = '{name}'"));
    }

    [Fact]
    public async Task Concurrent_provisioning_of_one_table_agrees()
    {
        var device = Guid.NewGuid();
        var names = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => db.ProvisionAsync(device, "busy", Readings))));
        Assert.Single(names.Distinct());
    }

    [Fact]
    public async Task The_mirror_schema_is_configurable_and_created_when_missing()
    {
        var settings = new EdgeStoreSettings("edgesync", "Mirror \"Data\"");
        var writer = new MirrorSchemaWriter(settings, new MirrorTombstones(settings));
        var name = await db.InTransactionAsync((c, t) => writer.ProvisionAsync(c, t, Guid.NewGuid(), "t", null, Readings, Guid.NewGuid()));
        Assert.Equal(1L, await db.ScalarAsync<long>($"SELECT count(*) FROM pg_tables WHERE schemaname = 'Mirror \"Data\"' AND tablename = '{name}'"));
    }

    private async Task<List<string>> PrimaryKeyAsync(string table)
    {
        await using var command = db.DataSource.CreateCommand(
            """
            SELECT a.attname::text FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = (@t)::regclass AND i.indisprimary ORDER BY k.ord
            """);
        command.Parameters.AddWithValue("t", PgIdentifier.Qualified("edge_mirror", table));
        var key = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            key.Add(reader.GetString(0));
        return key;
    }
}
