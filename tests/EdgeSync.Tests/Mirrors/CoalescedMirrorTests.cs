using EdgeSync.Mirrors;
using EdgeSync.Registry;
using static EdgeSync.Tests.Mirrors.Changes;

namespace EdgeSync.Tests.Mirrors;

/// <summary>
/// Coalesced tables on a real PostgreSQL: one table per (project, source table) that many devices
/// bind to, keyed by (device, key), owned by the project, evolved once.
/// </summary>
public sealed class CoalescedMirrorTests(MirrorDatabase db) : IClassFixture<MirrorDatabase>
{
    private static readonly MirrorColumn[] State =
    [
        new("id", "id", "INTEGER", 1),
        new("mode", "mode", "TEXT", 0),
        new("setpoint", "setpoint", "REAL", 0),
    ];

    private static string Slug() => $"s{Guid.NewGuid():N}"[..10];

    [Fact]
    public async Task A_coalesced_table_is_keyed_by_device_and_key_and_records_its_project_and_source_table()
    {
        var project = Guid.NewGuid();
        var slug = Slug();
        var name = await db.ProvisionCoalescedAsync(project, slug, "Device State", State);

        Assert.Equal($"edge_fleet_{slug}_device_state", name);
        Assert.Equal(["_edge_device_id", "id"], await PrimaryKeyAsync("edge_mirror", name));
        Assert.Equal(["_edge_device_id", "id"], await PrimaryKeyAsync("edge_mirror_tombstones", name));
        Assert.Equal(
            [
                ("_edge_device_id", "uuid", true), ("_edge_journal_epoch", "uuid", true), ("_edge_commit_seq", "bigint", true),
                ("_edge_created_at", "timestamp with time zone", true), ("_edge_updated_at", "timestamp with time zone", true),
                ("id", "bigint", true), ("mode", "text", false), ("setpoint", "double precision", false),
            ],
            await db.ColumnsAsync(name));
        var owner = await db.InTransactionAsync((c, t) => db.SchemaWriter.GetFleetOwnerAsync(c, t, name));
        Assert.Equal(new MirrorFleetOwner(project, "Device State"), owner);
        // Hash-partitioned by device, so that many devices writing at once do not queue on one heap's extension lock.
        Assert.Equal((long)MirrorSchemaWriter.FleetPartitions, await db.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_inherits WHERE inhparent = '{PgIdentifier.Qualified("edge_mirror", name)}'::regclass"));
        Assert.StartsWith("_edge_", MirrorSchemaWriter.PartitionName(name, 0));
    }

    [Fact]
    public async Task Concurrent_bindings_of_many_devices_agree_on_one_table_and_add_a_new_column_once()
    {
        var project = Guid.NewGuid();
        var slug = Slug();
        MirrorColumn[] newer = [.. State, new("note", "note", "TEXT", 0)];
        var names = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => db.ProvisionCoalescedAsync(project, slug, "state", i % 2 == 0 ? State : newer))));

        Assert.Single(names.Distinct());
        var columns = await db.ColumnsAsync(names[0]);
        Assert.Single(columns, c => c.Name == "note");
        Assert.Contains(("note", "text", false), columns);
        // An older device binding again keeps the newer column.
        Assert.Equal(names[0], await db.ProvisionCoalescedAsync(project, slug, "state", State));
        Assert.Contains(await db.ColumnsAsync(names[0]), c => c.Name == "note");
    }

    [Fact]
    public async Task A_type_clash_or_another_key_shape_is_a_conflict_that_a_new_table_name_resolves()
    {
        var project = Guid.NewGuid();
        var slug = Slug();
        var name = await db.ProvisionCoalescedAsync(project, slug, "state", State);

        MirrorColumn[] clash = [State[0], new("mode", "mode", "INTEGER", 0)];
        var typed = await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionCoalescedAsync(project, slug, "state", clash));
        Assert.Equal((MirrorConflictException.ColumnTypeConflict, "mode"), (typed.Code, typed.Column));

        MirrorColumn[] wider = [State[0], new("mode", "mode", "TEXT", 2)];
        var key = await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionCoalescedAsync(project, slug, "state", wider));
        Assert.Equal(MirrorConflictException.PrimaryKeyChanged, key.Code);

        var renamed = await db.ProvisionCoalescedAsync(project, slug, "state", wider, requested: $"fleet_{slug}_state_v2");
        Assert.Equal(["_edge_device_id", "id", "mode"], await PrimaryKeyAsync("edge_mirror", renamed));
        Assert.Equal(["_edge_device_id", "id"], await PrimaryKeyAsync("edge_mirror", name));
    }

    [Fact]
    public async Task Another_projects_coalesced_table_is_never_bound_to_and_its_default_name_moves_aside()
    {
        var slug = Slug();
        var theirs = await db.ProvisionCoalescedAsync(Guid.NewGuid(), slug, "state", State);

        var named = await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionCoalescedAsync(Guid.NewGuid(), "other", "state", State, requested: theirs));
        Assert.Equal(MirrorConflictException.TableNameTaken, named.Code);

        // A project whose default name is taken (here: by a project with the same slug text) gets the hashed name.
        var ours = await db.ProvisionCoalescedAsync(Guid.NewGuid(), slug, "state", State);
        Assert.Equal(MirrorNaming.HashedFleetTableName(slug, "state"), ours);
    }

    [Fact]
    public async Task A_per_device_table_and_a_coalesced_table_never_take_each_other_over()
    {
        var project = Guid.NewGuid();
        var device = Guid.NewGuid();
        var perDevice = await db.ProvisionAsync(device, "state", State);
        var fleet = await db.ProvisionCoalescedAsync(project, Slug(), "state", State);

        var intoPerDevice = await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionCoalescedAsync(project, "x", "state", State, requested: perDevice));
        Assert.Equal(MirrorConflictException.TableNameTaken, intoPerDevice.Code);
        var intoFleet = await Assert.ThrowsAsync<MirrorConflictException>(() => db.ProvisionAsync(device, "state", State, requested: fleet));
        Assert.Equal(MirrorConflictException.TableNameTaken, intoFleet.Code);
        Assert.Equal(new MirrorFleetOwner(project, "state"), await db.InTransactionAsync((c, t) => db.SchemaWriter.GetFleetOwnerAsync(c, t, fleet)));
    }

    [Fact]
    public async Task Devices_sharing_keys_never_collide_and_a_delete_or_tombstone_of_one_leaves_the_other_alone()
    {
        var name = await db.ProvisionCoalescedAsync(Guid.NewGuid(), Slug(), "state", State);
        var table = new MirrorTable(name, State, MirrorLayout.Coalesced);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());

        await db.ApplyAsync(table, a, [Insert(1, """{"id":1}""", """{"id":1,"mode":"a1","setpoint":1.5}"""), Insert(2, """{"id":2}""", """{"id":2,"mode":"a2","setpoint":null}""")]);
        await db.ApplyAsync(table, b, [Insert(1, """{"id":1}""", """{"id":1,"mode":"b1","setpoint":2.5}""")]);
        // a deletes key 1 at seq 3; b's older key 1 stays, and b may insert key 2 below a's seqs.
        await db.ApplyAsync(table, a, [Delete(3, """{"id":1}""")]);
        await db.ApplyAsync(table, b, [Insert(2, """{"id":2}""", """{"id":2,"mode":"b2","setpoint":null}""")]);
        // a's older insert of key 1 arrives late: its tombstone keeps it out.
        await db.ApplyAsync(table, a, [Insert(1, """{"id":1}""", """{"id":1,"mode":"stale","setpoint":null}""")]);

        var rows = (await db.RowsAsync(name, "_edge_device_id", "id")).Select(r => ((Guid)r["_edge_device_id"]!, (long)r["id"]!, (string)r["mode"]!)).ToList();
        Assert.Equal(
            new[] { (a, 2L, "a2"), (b, 1L, "b1"), (b, 2L, "b2") }.OrderBy(r => r.Item1).ThenBy(r => r.Item2).ToList(),
            rows.OrderBy(r => r.Item1).ThenBy(r => r.Item2).ToList());
        Assert.Equal(1L, await db.ScalarAsync<long>($"SELECT count(*) FROM edge_mirror_tombstones.{PgIdentifier.Quote(name)} WHERE _edge_device_id = '{a}'"));
    }

    [Fact]
    public async Task Tombstones_of_a_coalesced_table_are_pruned_per_device_and_key_after_the_retention()
    {
        var name = await db.ProvisionCoalescedAsync(Guid.NewGuid(), Slug(), "state", State);
        var table = new MirrorTable(name, State, MirrorLayout.Coalesced);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var device in new[] { a, b })
            await db.ApplyAsync(table, device, [Delete(7, """{"id":1}""")]);
        await db.ScalarAsync<int>($"UPDATE {db.Tombstones.Qualified(name)} SET _edge_deleted_at = now() - interval '8 days' WHERE _edge_device_id = '{a}' RETURNING 0");

        Assert.True(await db.Tombstones.PruneAsync(db.DataSource, TimeSpan.FromDays(7)) >= 1);

        // Past the retention a's older insert is applied; b's kept tombstone still guards b's key.
        foreach (var device in new[] { a, b })
            await db.ApplyAsync(table, device, [Insert(5, """{"id":1}""", """{"id":1,"mode":"late","setpoint":null}""")]);
        Assert.Equal([a], (await db.RowsAsync(name)).Select(r => (Guid)r["_edge_device_id"]!).ToList());
    }

    [Fact]
    public async Task Removing_a_device_deletes_its_rows_and_tombstones_only()
    {
        var name = await db.ProvisionCoalescedAsync(Guid.NewGuid(), Slug(), "state", State);
        var table = new MirrorTable(name, State, MirrorLayout.Coalesced);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var device in new[] { a, b })
            await db.ApplyAsync(table, device, [Insert(1, """{"id":1}""", """{"id":1,"mode":"x","setpoint":null}"""), Insert(2, """{"id":2}""", """{"id":2,"mode":"y","setpoint":null}"""), Delete(3, """{"id":2}""")]);

        Assert.True(await db.InTransactionAsync((c, t) => db.SchemaWriter.RemoveDeviceAsync(c, t, table, a)));

        Assert.Equal([b], (await db.RowsAsync(name)).Select(r => (Guid)r["_edge_device_id"]!).ToList());
        Assert.Equal(1L, await db.ScalarAsync<long>($"SELECT count(*) FROM edge_mirror_tombstones.{PgIdentifier.Quote(name)}"));
        Assert.False(await db.InTransactionAsync((c, t) => db.SchemaWriter.RemoveDeviceAsync(c, t, table with { Name = "no_such_table" }, a)));
    }

    [Fact]
    public async Task The_mirror_reader_shows_one_devices_rows_of_a_coalesced_table()
    {
        var name = await db.ProvisionCoalescedAsync(Guid.NewGuid(), Slug(), "state", State);
        var table = new MirrorTable(name, State, MirrorLayout.Coalesced);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await db.ApplyAsync(table, a, [.. Enumerable.Range(1, 5).Select(i => Insert(i, $$"""{"id":{{i}}}""", $$"""{"id":{{i}},"mode":"a","setpoint":null}"""))]);
        await db.ApplyAsync(table, b, [.. Enumerable.Range(1, 3).Select(i => Insert(i, $$"""{"id":{{i}}}""", $$"""{"id":{{i}},"mode":"b","setpoint":null}"""))]);

        var (rows, total) = await db.Reader.PageAsync(name, null, 1, 2, deviceId: a);
        Assert.Equal(5, total);
        Assert.Equal([1L, 2L], rows.Select(r => (long)r["id"]!).ToList());
        Assert.All(rows, r => Assert.Equal(a, r["_edge_device_id"]));
        var (beyond, beyondTotal) = await db.Reader.PageAsync(name, null, 9, 2, deviceId: b);
        Assert.Empty(beyond);
        Assert.Equal(3, beyondTotal);
    }

    private async Task<List<string>> PrimaryKeyAsync(string schema, string table)
    {
        await using var command = db.DataSource.CreateCommand(
            """
            SELECT a.attname::text FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = (@t)::regclass AND i.indisprimary ORDER BY k.ord
            """);
        command.Parameters.AddWithValue("t", PgIdentifier.Qualified(schema, table));
        var key = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            key.Add(reader.GetString(0));
        return key;
    }
}
