using EdgeSync.Mirrors;
using static EdgeSync.Tests.Mirrors.Changes;

namespace EdgeSync.Tests.Mirrors;

/// <summary>Values are converted for the mirror column's type as the database has it now, not as its SQLite affinity made it.</summary>
public sealed class MirrorColumnTypesTests(MirrorDatabase db) : IClassFixture<MirrorDatabase>
{
    private static readonly MirrorColumn[] Columns =
    [
        new("id", "id", "INTEGER", 1),
        new("name", "Name", "TEXT", 0),
        new("temp", "temp", "REAL", 0),
    ];

    private async Task<(MirrorTable Table, Guid Device)> NewTableAsync()
    {
        var device = Guid.NewGuid();
        return (new MirrorTable(await db.ProvisionAsync(device, "t", Columns), Columns), device);
    }

    private Task ApplyAsync(MirrorWriter writer, MirrorTable table, Guid device, params MirrorRowChange[] changes) =>
        db.InTransactionAsync(async (c, t) =>
        {
            await writer.ApplyAsync(c, t, table, device, changes);
            return 0;
        });

    private async Task AlterAsync(MirrorTable table, string change)
    {
        await using var command = db.DataSource.CreateCommand($"ALTER TABLE {PgIdentifier.Qualified(db.Settings.MirrorSchema, table.Name)} {change}");
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Text_that_an_INTEGER_affinity_refuses_is_written_once_the_operator_made_the_column_text()
    {
        var (table, device) = await NewTableAsync();
        MirrorColumn[] integerName = [Columns[0], Columns[1] with { SqliteAffinity = "INTEGER" }, Columns[2]];
        var declaredInteger = table with { Columns = integerName };

        // The lineage believes "name" is INTEGER (its affinity); the mirror's column is text, and it decides.
        await db.ApplyAsync(declaredInteger, device, [Insert(1, """{"id":1}""", """{"id":1,"Name":"not-a-number","temp":1}""")]);

        Assert.Equal("not-a-number", Assert.Single(await db.RowsAsync(table.Name, "id"))["name"]);
    }

    [Fact]
    public async Task After_a_type_change_the_first_failed_write_reads_the_types_again_and_the_retry_converts_for_them()
    {
        var (table, device) = await NewTableAsync();
        var writer = new MirrorWriter(db.Settings, db.Tombstones, new MirrorColumnTypes(db.Settings));
        await ApplyAsync(writer, table, device, Insert(1, """{"id":1}""", """{"id":1,"Name":"a","temp":1.5}"""));
        await AlterAsync(table, "ALTER COLUMN name TYPE integer USING NULL, ALTER COLUMN temp TYPE text USING temp::text");

        // The types this node read before are stale: the write fails, permanently, and forgets them.
        var stale = await Assert.ThrowsAsync<MirrorWriteException>(() =>
            ApplyAsync(writer, table, device, Insert(2, """{"id":2}""", """{"id":2,"Name":7,"temp":2.5}""")));
        Assert.True(stale.IsPermanent);
        await ApplyAsync(writer, table, device, Insert(2, """{"id":2}""", """{"id":2,"Name":7,"temp":2.5}"""));

        var row = (await db.RowsAsync(table.Name, "id"))[1];
        Assert.Equal((7, "2.5"), ((int)row["name"]!, (string)row["temp"]!));
    }

    [Fact]
    public async Task A_column_of_a_type_no_affinity_has_receives_text_that_PostgreSQL_casts_and_a_bad_cast_is_permanent()
    {
        var (table, device) = await NewTableAsync();
        await AlterAsync(table, "ALTER COLUMN name TYPE boolean USING NULL");

        await db.ApplyAsync(table, device, [Insert(1, """{"id":1}""", """{"id":1,"Name":"true"}""")]);
        Assert.Equal(true, Assert.Single(await db.RowsAsync(table.Name, "id"))["name"]);

        var error = await Assert.ThrowsAsync<MirrorWriteException>(() => db.ApplyAsync(table, device, [Insert(2, """{"id":2}""", """{"id":2,"Name":"maybe"}""")]));
        Assert.True(error.IsPermanent);
        Assert.Equal("22P02", error.Code);
    }

    [Fact]
    public async Task Text_too_long_for_a_varchar_column_is_refused_not_cut()
    {
        var (table, device) = await NewTableAsync();
        await AlterAsync(table, "ALTER COLUMN name TYPE varchar(3)");

        await db.ApplyAsync(table, device, [Insert(1, """{"id":1}""", """{"id":1,"Name":"abc"}""")]);
        var error = await Assert.ThrowsAsync<MirrorWriteException>(() => db.ApplyAsync(table, device, [Insert(2, """{"id":2}""", """{"id":2,"Name":"abcdef"}""")]));

        Assert.Equal("22001", error.Code);
        Assert.True(error.IsRowSpecific);
        Assert.Equal(["abc"], (await db.RowsAsync(table.Name, "id")).Select(r => (string)r["name"]!));
    }
}
