using EdgeSync.Mirrors;
using static EdgeSync.Tests.Mirrors.Changes;

namespace EdgeSync.Tests.Mirrors;

public class MirrorReaderTests(MirrorDatabase db) : IClassFixture<MirrorDatabase>
{
    private static readonly MirrorColumn[] Columns =
    [
        new("site", "site", "TEXT", 1),
        new("slot", "slot", "INTEGER", 2),
        new("reading", "reading", "REAL", 0),
        new("raw", "raw", "BLOB", 0),
        new("amount", "amount", "NUMERIC", 0),
    ];

    private async Task<(string Table, Guid Device)> FilledAsync(int rows)
    {
        var device = Guid.NewGuid();
        var table = await db.ProvisionAsync(device, "r", Columns);
        // inserted in an order that differs from the key order
        var changes = Enumerable.Range(0, rows).Reverse()
            .Select((i, n) => Insert(n + 1, $$"""{"site":"s{{i % 2}}","slot":{{i}}}""",
                $$"""{"site":"s{{i % 2}}","slot":{{i}},"reading":{{i}}.5,"raw":"AAE=","amount":{{i}}.25}"""))
            .ToList();
        await db.ApplyAsync(new MirrorTable(table, Columns), device, changes);
        return (table, device);
    }

    [Fact]
    public async Task Pages_in_primary_key_order_with_platform_columns()
    {
        var (table, device) = await FilledAsync(7);
        var (rows, total) = await db.Reader.PageAsync(table, null, 1, 3);
        Assert.Equal(7, total);
        Assert.Equal([("s0", 0L), ("s0", 2L), ("s0", 4L)], rows.Select(r => ((string)r["site"]!, (long)r["slot"]!)));
        var first = rows[0];
        Assert.Equal(
            ["_edge_device_id", "_edge_journal_epoch", "_edge_commit_seq", "_edge_created_at", "_edge_updated_at", "site", "slot", "reading", "raw", "amount"],
            first.Keys);
        Assert.Equal(device, first["_edge_device_id"]);
        Assert.Equal(Epoch1, first["_edge_journal_epoch"]);
        Assert.IsType<DateTimeOffset>(first["_edge_created_at"]);
        Assert.Equal(0.5, first["reading"]);
        Assert.Equal("AAE=", first["raw"]);
        Assert.Equal(0.25m, first["amount"]);

        var (last, lastTotal) = await db.Reader.PageAsync(table, null, 3, 3);
        Assert.Equal(7, lastTotal);
        Assert.Equal([("s1", 5L)], last.Select(r => ((string)r["site"]!, (long)r["slot"]!)));
        var (beyond, beyondTotal) = await db.Reader.PageAsync(table, null, 9, 3);
        Assert.Empty(beyond);
        Assert.Equal(7, beyondTotal);
    }

    [Fact]
    public async Task Selects_columns()
    {
        var (table, _) = await FilledAsync(2);
        var (rows, _) = await db.Reader.PageAsync(table, ["amount", "site", "amount"], 1, 10);
        Assert.Equal(["_edge_device_id", "_edge_journal_epoch", "_edge_commit_seq", "_edge_created_at", "_edge_updated_at", "amount", "site"], rows[0].Keys);
    }

    [Fact]
    public async Task Unknown_columns_are_rejected_by_name()
    {
        var (table, _) = await FilledAsync(1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => db.Reader.PageAsync(table, ["site", "nope\"; DROP TABLE x; --"], 1, 10));
        Assert.Contains("nope\"; DROP TABLE x; --", error.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => db.Reader.PageAsync(table, ["Site"], 1, 10));
    }

    [Fact]
    public async Task A_missing_table_is_reported()
    {
        Assert.False(await db.Reader.ExistsAsync("edge_mirror_nothing_here"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => db.Reader.PageAsync("x\"; DROP TABLE y; --", null, 1, 10));
    }

    [Fact]
    public async Task Numeric_beyond_decimal_is_returned_as_text_and_null_as_null()
    {
        var device = Guid.NewGuid();
        var table = await db.ProvisionAsync(device, "big", Columns);
        await db.ApplyAsync(new MirrorTable(table, Columns), device,
        [
            Insert(1, """{"site":"a","slot":1}""", """{"site":"a","slot":1,"amount":123456789012345678901234567890.5}"""),
            Insert(2, """{"site":"a","slot":2}""", """{"site":"a","slot":2,"amount":0.1234567890123456789012345678901}"""),
            Insert(3, """{"site":"a","slot":3}""", """{"site":"a","slot":3}"""),
        ]);
        var (rows, _) = await db.Reader.PageAsync(table, ["amount", "raw"], 1, 10);
        Assert.Equal("123456789012345678901234567890.5", rows[0]["amount"]);
        Assert.Equal("0.1234567890123456789012345678901", rows[1]["amount"]);
        Assert.Null(rows[2]["amount"]);
        Assert.Null(rows[2]["raw"]);
    }
}
