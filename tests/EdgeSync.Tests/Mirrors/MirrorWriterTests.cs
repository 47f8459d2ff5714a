using EdgeSync.Mirrors;
using Npgsql;
using static EdgeSync.Tests.Mirrors.Changes;

namespace EdgeSync.Tests.Mirrors;

public class MirrorWriterTests(MirrorDatabase db) : IClassFixture<MirrorDatabase>
{
    private static readonly MirrorColumn[] Columns =
    [
        new("id", "id", "INTEGER", 1),
        new("name", "Name", "TEXT", 0),
        new("temp", "temp", "REAL", 0),
    ];

    private async Task<(MirrorTable Table, Guid Device)> NewTableAsync(IReadOnlyList<MirrorColumn>? columns = null)
    {
        var device = Guid.NewGuid();
        columns ??= Columns;
        var name = await db.ProvisionAsync(device, "t", columns);
        return (new MirrorTable(name, columns), device);
    }

    private async Task<List<(long Id, string? Name, long Seq)>> ContentAsync(MirrorTable table) =>
        (await db.RowsAsync(table.Name, "id")).Select(r => ((long)r["id"]!, (string?)r["name"], (long)r["_edge_commit_seq"]!)).ToList();

    [Fact]
    public async Task Insert_update_delete()
    {
        var (table, device) = await NewTableAsync();
        await db.ApplyAsync(table, device,
        [
            Insert(1, """{"id":1}""", """{"id":1,"Name":"a","temp":1.5}"""),
            Insert(2, """{"id":2}""", """{"id":2,"Name":"b","temp":2}"""),
        ]);
        var rows = await db.RowsAsync(table.Name, "id");
        Assert.Equal(2, rows.Count);
        Assert.Equal(device, rows[0]["_edge_device_id"]);
        Assert.Equal(Epoch1, rows[0]["_edge_journal_epoch"]);
        Assert.Equal(1.5, rows[0]["temp"]);
        Assert.Equal(2.0, rows[1]["temp"]);

        await db.ApplyAsync(table, device,
        [
            Update(3, """{"id":1}""", """{"id":1,"Name":"a2","temp":null}"""),
            Delete(4, """{"id":2}"""),
        ]);
        rows = await db.RowsAsync(table.Name, "id");
        var row = Assert.Single(rows);
        Assert.Equal("a2", row["name"]);
        Assert.Null(row["temp"]);
        Assert.Equal(3L, row["_edge_commit_seq"]);
        Assert.True((DateTime)row["_edge_updated_at"]! >= (DateTime)row["_edge_created_at"]!);
    }

    [Fact]
    public async Task Older_versions_are_skipped()
    {
        var (table, device) = await NewTableAsync();
        await db.ApplyAsync(table, device, [Insert(5, """{"id":1}""", """{"id":1,"Name":"new"}""")]);
        await db.ApplyAsync(table, device,
        [
            Update(3, """{"id":1}""", """{"id":1,"Name":"old"}"""),
            Delete(4, """{"id":1}"""),
        ]);
        Assert.Equal([(1L, "new", 5L)], await ContentAsync(table));

        // a newer epoch wins over a higher seq of an older epoch, an older epoch loses
        await db.ApplyAsync(table, device, [Update(9, """{"id":1}""", """{"id":1,"Name":"e0"}""", Guid.CreateVersion7(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)))]);
        Assert.Equal([(1L, "new", 5L)], await ContentAsync(table));
        await db.ApplyAsync(table, device, [Update(1, """{"id":1}""", """{"id":1,"Name":"e2"}""", Epoch2)]);
        Assert.Equal([(1L, "e2", 1L)], await ContentAsync(table));
        await db.ApplyAsync(table, device, [Delete(100, """{"id":1}""")]);
        Assert.Equal([(1L, "e2", 1L)], await ContentAsync(table));
    }

    [Fact]
    public async Task A_delete_leaves_a_tombstone_so_an_older_insert_arriving_later_does_not_bring_the_row_back()
    {
        var (table, device) = await NewTableAsync();
        await db.ApplyAsync(table, device, [Delete(7, """{"id":1}""")]);
        await db.ApplyAsync(table, device, [Insert(5, """{"id":1}""", """{"id":1,"Name":"late"}"""), Insert(6, """{"id":2}""", """{"id":2,"Name":"b"}""")]);
        Assert.Equal([(2L, "b", 6L)], await ContentAsync(table));

        // A newer insert wins over the tombstone; an older delete does not take the row again.
        await db.ApplyAsync(table, device, [Insert(8, """{"id":1}""", """{"id":1,"Name":"again"}""")]);
        await db.ApplyAsync(table, device, [Delete(3, """{"id":1}"""), Delete(4, """{"id":2}""")]);
        Assert.Equal([(1L, "again", 8L), (2L, "b", 6L)], await ContentAsync(table));

        // The mirror shows live rows only; the tombstone of id 1 is beside it, at its newest delete.
        Assert.Equal(7L, await db.ScalarAsync<long>($"SELECT _edge_commit_seq FROM {db.Tombstones.Qualified(table.Name)} WHERE id = 1"));
    }

    [Fact]
    public async Task Tombstones_older_than_the_retention_are_pruned_and_younger_ones_kept()
    {
        var (table, device) = await NewTableAsync();
        await db.ApplyAsync(table, device, [Delete(7, """{"id":1}"""), Delete(8, """{"id":2}""")]);
        await db.ScalarAsync<int>($"UPDATE {db.Tombstones.Qualified(table.Name)} SET _edge_deleted_at = now() - interval '8 days' WHERE id = 1 RETURNING 0");

        Assert.True(await db.Tombstones.PruneAsync(db.DataSource, TimeSpan.FromDays(7)) >= 1);

        // Past the retention an older insert of the pruned key is applied; the kept tombstone still guards id 2.
        await db.ApplyAsync(table, device, [Insert(5, """{"id":1}""", """{"id":1,"Name":"late"}"""), Insert(6, """{"id":2}""", """{"id":2,"Name":"late"}""")]);
        Assert.Equal([(1L, "late", 5L)], await ContentAsync(table));
    }

    [Fact]
    public async Task Dropping_a_mirror_drops_its_tombstones()
    {
        var (table, device) = await NewTableAsync();
        await db.ApplyAsync(table, device, [Delete(7, """{"id":1}""")]);
        await db.InTransactionAsync(async (c, t) =>
        {
            await db.SchemaWriter.DropAsync(c, t, table.Name);
            return 0;
        });
        Assert.True(await db.ScalarAsync<bool>($"SELECT to_regclass('{db.Tombstones.Qualified(table.Name).Replace("'", "''")}') IS NULL"));
    }

    [Fact]
    public async Task Applying_the_same_changes_twice_changes_nothing()
    {
        var (table, device) = await NewTableAsync();
        MirrorRowChange[] batch =
        [
            Insert(1, """{"id":1}""", """{"id":1,"Name":"a"}"""),
            Insert(2, """{"id":2}""", """{"id":2,"Name":"b"}"""),
            Update(3, """{"id":1}""", """{"id":1,"Name":"a2"}"""),
            Delete(4, """{"id":2}"""),
        ];
        await db.ApplyAsync(table, device, batch);
        Assert.Equal([(1L, "a2", 3L)], await ContentAsync(table)); // collapsed: 1 upsert, the delete found nothing
        var before = await db.RowsAsync(table.Name, "id");
        await db.ApplyAsync(table, device, batch);
        Assert.Equal(before, await db.RowsAsync(table.Name, "id"));
    }

    [Fact]
    public async Task A_delete_after_an_insert_in_one_batch_leaves_nothing()
    {
        var (table, device) = await NewTableAsync();
        await db.ApplyAsync(table, device, [Insert(1, """{"id":7}""", """{"id":7,"Name":"x"}"""), Delete(2, """{"id":7}""")]);
        Assert.Empty(await ContentAsync(table));

        await db.ApplyAsync(table, device, [Insert(3, """{"id":8}""", """{"id":8,"Name":"x"}""")]);
        await db.ApplyAsync(table, device, [Update(4, """{"id":8}""", """{"id":8,"Name":"y"}"""), Delete(5, """{"id":8}""")]);
        Assert.Empty(await ContentAsync(table));
    }

    [Fact]
    public async Task Insert_delete_insert_of_one_key_in_one_batch_keeps_the_last_insert()
    {
        var (table, device) = await NewTableAsync();
        await db.ApplyAsync(table, device,
        [
            Insert(1, """{"id":1}""", """{"id":1,"Name":"first"}"""),
            Delete(2, """{"id":1}"""),
            Insert(3, """{"id":1}""", """{"id":1,"Name":"second"}"""),
            Insert(4, """{"id":2}""", """{"id":2,"Name":"other"}"""),
        ]);
        Assert.Equal([(1L, "second", 3L), (2L, "other", 4L)], await ContentAsync(table));
    }

    [Fact]
    public async Task Composite_keys()
    {
        MirrorColumn[] columns =
        [
            new("site", "site", "TEXT", 1),
            new("slot", "slot", "INTEGER", 2),
            new("value", "value", "REAL", 0),
        ];
        var (table, device) = await NewTableAsync(columns);
        await db.ApplyAsync(table, device,
        [
            Insert(1, """{"site":"a","slot":1}""", """{"site":"a","slot":1,"value":1}"""),
            Insert(2, """{"site":"a","slot":2}""", """{"site":"a","slot":2,"value":2}"""),
            Insert(3, """{"site":"b","slot":1}""", """{"site":"b","slot":1,"value":3}"""),
            Update(4, """{"site":"a","slot":1}""", """{"site":"a","slot":1,"value":10}"""),
        ]);
        await db.ApplyAsync(table, device, [Delete(5, """{"site":"a","slot":2}"""), Delete(6, """{"site":"b","slot":2}""")]);
        var rows = (await db.RowsAsync(table.Name, "site", "slot")).Select(r => ((string)r["site"]!, (long)r["slot"]!, (double)r["value"]!)).ToList();
        Assert.Equal([("a", 1L, 10.0), ("b", 1L, 3.0)], rows);
    }

    [Fact]
    public async Task Every_type_converts()
    {
        MirrorColumn[] columns =
        [
            new("id", "id", "INTEGER", 1),
            new("i", "i", "INTEGER", 0),
            new("r", "r", "REAL", 0),
            new("t", "t", "TEXT", 0),
            new("b", "b", "BLOB", 0),
            new("n", "n", "NUMERIC", 0),
            new("n2", "n2", "NUMERIC", 0),
            new("tn", "tn", "TEXT", 0),
            new("missing", "missing", "TEXT", 0),
        ];
        var (table, device) = await NewTableAsync(columns);
        var blob = new byte[] { 0, 1, 2, 255, 0x27, 0x22 };
        await db.ApplyAsync(table, device,
        [
            Insert(1, """{"id":-9223372036854775808}""",
                $$"""{"id":-9223372036854775808,"i":9223372036854775807,"r":-1.25e-3,"t":"naïve \"q\" 'x' 😀","b":"{{Convert.ToBase64String(blob)}}","n":12345678901234567890.12345678,"n2":"-1e3","tn":1.50,"ignored":{"x":1} }"""),
        ]);
        var row = Assert.Single(await db.RowsAsync(table.Name));
        Assert.Equal(long.MinValue, row["id"]);
        Assert.Equal(long.MaxValue, row["i"]);
        Assert.Equal(-1.25e-3, row["r"]);
        Assert.Equal("naïve \"q\" 'x' 😀", row["t"]);
        Assert.Equal(blob, row["b"]);
        Assert.Equal(12345678901234567890.12345678m, row["n"]);
        Assert.Equal(-1000m, row["n2"]);
        Assert.Equal("1.50", row["tn"]);
        Assert.Null(row["missing"]);
    }

    [Fact]
    public async Task Numeric_keeps_every_digit()
    {
        MirrorColumn[] columns = [new("id", "id", "INTEGER", 1), new("n", "n", "NUMERIC", 0)];
        var (table, device) = await NewTableAsync(columns);
        await db.ApplyAsync(table, device, [Insert(1, """{"id":1}""", """{"id":1,"n":-12345678901234567890.123456789012345678901}""")]);
        Assert.Equal("-12345678901234567890.123456789012345678901",
            await db.ScalarAsync<string>($"SELECT n::text FROM {PgIdentifier.Qualified("edge_mirror", table.Name)}"));
    }

    [Fact]
    public async Task Numeric_and_real_keys_collapse_by_value()
    {
        MirrorColumn[] columns = [new("k", "k", "NUMERIC", 1), new("v", "v", "TEXT", 0)];
        var (table, device) = await NewTableAsync(columns);
        await db.ApplyAsync(table, device,
        [
            Insert(1, """{"k":1}""", """{"k":1,"v":"a"}"""),
            Update(2, """{"k":1.0}""", """{"k":1.0,"v":"b"}"""),
            Update(3, """{"k":"1e0"}""", """{"k":"1e0","v":"c"}"""),
        ]);
        Assert.Equal("c", Assert.Single(await db.RowsAsync(table.Name))["v"]);

        MirrorColumn[] real = [new("k", "k", "REAL", 1), new("v", "v", "TEXT", 0)];
        var (realTable, realDevice) = await NewTableAsync(real);
        await db.ApplyAsync(realTable, realDevice, [Insert(1, """{"k":0.0}""", """{"k":0.0,"v":"a"}"""), Update(2, """{"k":-0.0}""", """{"k":-0.0,"v":"b"}""")]);
        Assert.Equal("b", Assert.Single(await db.RowsAsync(realTable.Name))["v"]);
    }

    [Theory]
    [InlineData("INTEGER", "\"12\"")]
    [InlineData("INTEGER", "1.5")]
    [InlineData("INTEGER", "1e2")]
    [InlineData("INTEGER", "9223372036854775808")]
    [InlineData("INTEGER", "true")]
    [InlineData("REAL", "\"1.5\"")]
    [InlineData("REAL", "1e400")]
    [InlineData("TEXT", "[1]")]
    [InlineData("BLOB", "\"not base64!\"")]
    [InlineData("BLOB", "12")]
    [InlineData("NUMERIC", "\"twelve\"")]
    [InlineData("NUMERIC", "\"NaN\"")]
    public async Task An_unconvertible_value_is_a_permanent_error_naming_column_and_seq(string affinity, string json)
    {
        MirrorColumn[] columns = [new("id", "id", "INTEGER", 1), new("value_col", "Value", affinity, 0)];
        var (table, device) = await NewTableAsync(columns);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var error = await Assert.ThrowsAsync<MirrorWriteException>(() => db.Writer.ApplyAsync(connection, transaction, table, device,
            [Insert(41, """{"id":1}""", """{"id":1}"""), Insert(42, """{"id":2}""", $$"""{"id":2,"Value":{{json}}}""")]));
        Assert.True(error.IsPermanent);
        Assert.False(MirrorWriteException.IsTransient(error));
        Assert.Equal(MirrorWriteException.ValueInvalid, error.Code);
        Assert.Contains("value_col", error.Message);
        Assert.Contains("42", error.Message);
        // nothing ran: the transaction is still usable, and the caller can roll it back
        await using (var probe = new NpgsqlCommand("SELECT 1", connection, transaction))
            Assert.Equal(1, await probe.ExecuteScalarAsync());
        await transaction.RollbackAsync();
        Assert.Empty(await db.RowsAsync(table.Name));
    }

    [Fact]
    public async Task A_database_error_is_permanent_and_the_caller_can_roll_back()
    {
        MirrorColumn[] columns = [new("id", "id", "INTEGER", 1), new("n", "n", "NUMERIC", 0)];
        var (table, device) = await NewTableAsync(columns);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var error = await Assert.ThrowsAsync<MirrorWriteException>(() => db.Writer.ApplyAsync(connection, transaction, table, device,
                [Insert(1, """{"id":1}""", """{"id":1,"n":1e200000}""")]));
            Assert.True(error.IsPermanent);
            Assert.Equal("22003", error.Code); // numeric value out of range
            await transaction.RollbackAsync();
        }
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var missing = new MirrorTable(table.Name + "_gone", columns);
            var error = await Assert.ThrowsAsync<MirrorWriteException>(() => db.Writer.ApplyAsync(connection, transaction, missing, device,
                [Insert(1, """{"id":1}""", """{"id":1,"n":1}""")]));
            Assert.True(error.IsPermanent);
            Assert.Equal("42P01", error.Code);
            await transaction.RollbackAsync();
        }
        // the same connection works afterwards
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await db.Writer.ApplyAsync(connection, transaction, table, device, [Insert(1, """{"id":1}""", """{"id":1,"n":1}""")]);
            await transaction.CommitAsync();
        }
        Assert.Equal(1L, Assert.Single(await db.RowsAsync(table.Name))["id"]);
    }

    [Fact]
    public async Task Malformed_changes_are_permanent_errors()
    {
        var (table, device) = await NewTableAsync();
        async Task<MirrorWriteException> Fails(MirrorRowChange change) =>
            await Assert.ThrowsAsync<MirrorWriteException>(() => db.ApplyAsync(table, device, [change]));
        Assert.Equal(MirrorWriteException.ChangeInvalid, (await Fails(new MirrorRowChange(Epoch1, 1, "upsert", """{"id":1}""", "{}"))).Code);
        Assert.Equal(MirrorWriteException.ChangeInvalid, (await Fails(Insert(1, """{"id":1}""", "not json"))).Code);
        Assert.Equal(MirrorWriteException.ChangeInvalid, (await Fails(Insert(1, "{}", """{"Name":"x"}"""))).Code);
        Assert.Equal(MirrorWriteException.ChangeInvalid, (await Fails(Delete(1, """{"id":null}"""))).Code);
        Assert.Equal(MirrorWriteException.ChangeInvalid, (await Fails(new MirrorRowChange(Epoch1, 1, "insert", """{"id":1}""", null))).Code);
    }

    [Fact]
    public async Task Key_values_come_from_the_row_and_fall_back_to_the_pk()
    {
        var (table, device) = await NewTableAsync();
        await db.ApplyAsync(table, device, [Insert(1, """{"id":5}""", """{"Name":"no id in row"}""")]);
        Assert.Equal([(5L, "no id in row", 1L)], await ContentAsync(table));
    }

    [Fact]
    public async Task Only_the_tables_columns_are_written()
    {
        MirrorColumn[] columns = [new("id", "id", "INTEGER", 1), new("kept", "kept", "TEXT", 0)];
        var (table, device) = await NewTableAsync([.. columns, new("other", "other", "TEXT", 0)]);
        var narrow = new MirrorTable(table.Name, columns);
        await db.ApplyAsync(narrow, device, [Insert(1, """{"id":1}""", """{"id":1,"kept":"k","other":"o","unbound":"u"}""")]);
        var row = Assert.Single(await db.RowsAsync(table.Name));
        Assert.Equal("k", row["kept"]);
        Assert.Null(row["other"]);
    }

    [Fact]
    public async Task Large_batches_are_set_based()
    {
        var (table, device) = await NewTableAsync();
        var changes = Enumerable.Range(1, 20_000)
            .Select(i => Insert(i, $$"""{"id":{{i % 5000}}}""", $$"""{"id":{{i % 5000}},"Name":"n{{i}}","temp":{{i}}.5}"""))
            .ToList();
        await db.ApplyAsync(table, device, changes);
        var mirror = PgIdentifier.Qualified("edge_mirror", table.Name);
        Assert.Equal(5000L, await db.ScalarAsync<long>($"SELECT count(*) FROM {mirror}"));
        // every key holds its last change, all among the last 5000
        Assert.Equal(15_001L, await db.ScalarAsync<long>($"SELECT min(_edge_commit_seq) FROM {mirror}"));
        var deletes = Enumerable.Range(0, 5000).Select(i => Delete(20_001 + i, $$"""{"id":{{i}}}""")).ToList();
        await db.ApplyAsync(table, device, deletes);
        Assert.Equal(0L, await db.ScalarAsync<long>($"SELECT count(*) FROM {mirror}"));
    }

    [Fact]
    public async Task Two_writes_in_one_transaction()
    {
        var (table, device) = await NewTableAsync();
        await db.InTransactionAsync(async (c, t) =>
        {
            await db.Writer.ApplyAsync(c, t, table, device, [Insert(1, """{"id":1}""", """{"id":1,"Name":"a"}""")]);
            await db.Writer.ApplyAsync(c, t, table, device, [Update(2, """{"id":1}""", """{"id":1,"Name":"b"}""")]);
            return 0;
        });
        Assert.Equal([(1L, "b", 2L)], await ContentAsync(table));
    }

    [Fact]
    public async Task Keys_after_the_greatest_are_appended_and_the_others_upserted_in_one_batch()
    {
        var (table, device) = await NewTableAsync();
        await db.ApplyAsync(table, device, [Insert(1, """{"id":10}""", """{"id":10,"Name":"ten"}"""), Insert(2, """{"id":20}""", """{"id":20,"Name":"twenty"}""")]);

        // 5 and 15 are new but not after 20 (the upsert's insert); 10 and 20 exist (its update);
        // 21 and 30 are after 20 (the plain insert).
        await db.ApplyAsync(table, device,
        [
            Insert(3, """{"id":5}""", """{"id":5,"Name":"five"}"""),
            Update(4, """{"id":10}""", """{"id":10,"Name":"TEN"}"""),
            Insert(5, """{"id":30}""", """{"id":30,"Name":"thirty"}"""),
            Insert(6, """{"id":15}""", """{"id":15,"Name":"fifteen"}"""),
            Insert(7, """{"id":21}""", """{"id":21,"Name":"twenty-one"}"""),
            Update(8, """{"id":20}""", """{"id":20,"Name":"TWENTY"}"""),
        ]);

        List<(long, string?, long)> expected =
            [(5L, "five", 3L), (10L, "TEN", 4L), (15L, "fifteen", 6L), (20L, "TWENTY", 8L), (21L, "twenty-one", 7L), (30L, "thirty", 5L)];
        Assert.Equal(expected, await ContentAsync(table));
        // Again: every key now exists, so nothing is newer and nothing is written.
        await db.ApplyAsync(table, device,
            [Insert(5, """{"id":30}""", """{"id":30,"Name":"x"}"""), Insert(7, """{"id":21}""", """{"id":21,"Name":"x"}""")]);
        Assert.Equal(expected, await ContentAsync(table));
    }

    [Fact]
    public async Task Composite_and_text_keys_are_compared_in_the_index_order()
    {
        MirrorColumn[] columns =
        [
            new("site", "site", "TEXT", 1),
            new("slot", "slot", "INTEGER", 2),
            new("value", "value", "REAL", 0),
        ];
        var (table, device) = await NewTableAsync(columns);
        await db.ApplyAsync(table, device, [Insert(1, """{"site":"b","slot":5}""", """{"site":"b","slot":5,"value":1}""")]);

        // ("b",5) is the greatest key: ("b",6) and ("c",0) come after it, ("a",9) and ("b",4) before.
        await db.ApplyAsync(table, device,
        [
            Insert(2, """{"site":"b","slot":6}""", """{"site":"b","slot":6,"value":2}"""),
            Insert(3, """{"site":"a","slot":9}""", """{"site":"a","slot":9,"value":3}"""),
            Insert(4, """{"site":"c","slot":0}""", """{"site":"c","slot":0,"value":4}"""),
            Insert(5, """{"site":"b","slot":4}""", """{"site":"b","slot":4,"value":5}"""),
            Update(6, """{"site":"b","slot":5}""", """{"site":"b","slot":5,"value":6}"""),
        ]);

        var rows = (await db.RowsAsync(table.Name, "site", "slot")).Select(r => ((string)r["site"]!, (long)r["slot"]!, (double)r["value"]!)).ToList();
        Assert.Equal([("a", 9L, 3.0), ("b", 4L, 5.0), ("b", 5L, 6.0), ("b", 6L, 2.0), ("c", 0L, 4.0)], rows);
    }

    [Theory]
    [InlineData("INTEGER", "10", "5", "20")]
    [InlineData("REAL", "1.5", "-2.25", "3e2")]
    [InlineData("TEXT", "\"m\"", "\"a\"", "\"z\"")]
    [InlineData("NUMERIC", "10.50", "\"-1\"", "1e3")]
    [InlineData("BLOB", "\"AQI=\"", "\"AAE=\"", "\"AgA=\"")]
    public async Task Every_key_type_splits_into_appended_and_upserted_rows(string affinity, string middle, string lower, string higher)
    {
        MirrorColumn[] columns = [new("k", "k", affinity, 1), new("v", "v", "TEXT", 0)];
        var (table, device) = await NewTableAsync(columns);
        await db.ApplyAsync(table, device, [Insert(1, $$"""{"k":{{middle}}}""", $$"""{"k":{{middle}},"v":"first"}""")]);

        await db.ApplyAsync(table, device,
        [
            Insert(2, $$"""{"k":{{higher}}}""", $$"""{"k":{{higher}},"v":"higher"}"""),
            Insert(3, $$"""{"k":{{lower}}}""", $$"""{"k":{{lower}},"v":"lower"}"""),
            Update(4, $$"""{"k":{{middle}}}""", $$"""{"k":{{middle}},"v":"middle"}"""),
        ]);

        async Task<IEnumerable<string>> Values() => (await db.RowsAsync(table.Name, "k")).Select(r => (string)r["v"]!);
        Assert.Equal(["lower", "middle", "higher"], await Values());
        // Only appended rows, then only upserted ones: each part also runs alone.
        await db.ApplyAsync(table, device, [Insert(3, $$"""{"k":{{lower}}}""", $$"""{"k":{{lower}},"v":"x"}""")]);
        Assert.Equal(["lower", "middle", "higher"], await Values());
        await db.ApplyAsync(table, device, [Delete(5, $$"""{"k":{{higher}}}""")]);
        Assert.Equal(["lower", "middle"], await Values());
        await db.ApplyAsync(table, device, [Insert(6, $$"""{"k":{{higher}}}""", $$"""{"k":{{higher}},"v":"again"}""")]);
        Assert.Equal(["lower", "middle", "again"], await Values());
    }
}
