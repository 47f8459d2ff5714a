using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using EdgeSync.Mirrors;
using EdgeSync.Registry;
using Microsoft.Data.Sqlite;

namespace EdgeSync.Tests.Mirrors;

/// <summary>
/// Random insert/update/delete sequences on a small key space, run against a real SQLite table;
/// the journal they produce, cut into batches at random points (each its own transaction, some
/// applied twice, the journal epoch sometimes switching to a newer one), is materialized through
/// <see cref="MirrorWriter"/>. In journal order the PostgreSQL mirror equals the SQLite table after
/// every batch; in any order, with any batch applied again, it equals the table in the end. Two
/// devices writing such journals (the same keys, epochs and sequence numbers) into one coalesced
/// table, interleaved in any order, each find their own slice equal to their own table.
/// </summary>
public class MirrorWriterPropertyTests(MirrorDatabase db) : IClassFixture<MirrorDatabase>
{
    private const string WeirdColumn = "Wert \"v\"; --";

    private static readonly string[] TextKeys = ["a", "B", "ü'\"", ""];

    /// <param name="Kind">0–3 insert-or-update, 4–5 delete.</param>
    public sealed record Op(int Kind, long K, int S, long? V, double? R, byte[]? B, object? N)
    {
        public override string ToString() =>
            $"Op({Kind}, {K}, {S}, {V?.ToString() ?? "null"}, {R?.ToString("R", CultureInfo.InvariantCulture) ?? "null"}, {(B is null ? "null" : Convert.ToHexString(B))}, {N ?? "null"})";
    }

    public sealed record Scenario(Op[] Ops, int[] Cuts, bool[] Twice, int EpochSwitch)
    {
        public override string ToString() =>
            $"Ops=[{string.Join(", ", Ops.Select(o => o.ToString()))}] Cuts=[{string.Join(",", Cuts)}] Twice=[{string.Join(",", Twice)}] EpochSwitch={EpochSwitch}";
    }

    private static readonly Gen<long?> GenV = Gen.Select(Gen.Int[0, 5], Gen.OneOf(long.MinValue, long.MaxValue, 0L, -1L), Gen.Long[-1000, 1000],
        (c, special, plain) => c switch { 0 => (long?)null, 1 => special, _ => plain });

    private static readonly Gen<double?> GenR = Gen.Select(Gen.Int[0, 5], Gen.OneOf(0.0, -0.0, 1e300, -1e-300, double.Epsilon, 0.1), Gen.Double[-1e6, 1e6],
        (c, special, plain) => c switch { 0 => (double?)null, 1 => special, _ => plain });

    private static readonly Gen<byte[]?> GenB = Gen.Select(Gen.Int[0, 3], Gen.Byte.Array[0, 6], (c, bytes) => c == 0 ? null : bytes);

    private static readonly Gen<object?> GenN = Gen.Select(Gen.Int[0, 3], Gen.Int[-100_000, 100_000],
        (c, x) => c switch { 0 => null, 1 => (object)(long)x, _ => x / 100.0 });

    private static readonly Gen<Op> GenOp = Gen.Select(Gen.Int[0, 5], Gen.Long[0, 2], Gen.Int[0, TextKeys.Length - 1], GenV, GenR, GenB, GenN,
        (kind, k, s, v, r, b, n) => new Op(kind, k, s, v, r, b, n));

    private static readonly Gen<Scenario> GenScenario = Gen.Select(GenOp.Array[1, 40], Gen.Int[0, 1000].Array[0, 8], Gen.Bool.Array[9], Gen.Int[-20, 40],
        (ops, cuts, twice, epochSwitch) => new Scenario(ops, cuts, twice, epochSwitch));

    /// <param name="Order">Sort keys of the batches: they are applied in the order of their keys.</param>
    /// <param name="Again">Which batches are applied a second time, at the end.</param>
    public sealed record Arrival(Scenario Scenario, int[] Order, bool[] Again)
    {
        public override string ToString() => $"{Scenario} Order=[{string.Join(",", Order)}] Again=[{string.Join(",", Again)}]";
    }

    private static readonly Gen<Arrival> GenArrival = Gen.Select(GenScenario, Gen.Int[0, 100].Array[9], Gen.Bool.Array[9],
        (scenario, order, again) => new Arrival(scenario, order, again));

    private static readonly string[] Sources = ["k", "s", WeirdColumn, "r", "b", "n"];
    private static readonly string[] Affinities = ["INTEGER", "TEXT", "INTEGER", "REAL", "BLOB", "NUMERIC"];
    private static readonly IReadOnlyList<string> Names = MirrorNaming.DefaultColumnNames(Sources);
    private static readonly MirrorColumn[] Columns = Sources.Select((s, i) => new MirrorColumn(Names[i], s, Affinities[i], i < 2 ? i + 1 : 0)).ToArray();

    /// <summary>A batch of journal entries, and the SQLite table's rows once they were made.</summary>
    private sealed record Batch(List<MirrorRowChange> Changes, List<string> RowsAfter);

    [Fact]
    public Task Mirror_equals_the_sqlite_table_after_every_batch() =>
        GenScenario.SampleAsync(RunAsync, iter: 80, threads: 4, print: s => s.ToString());

    [Fact]
    public Task Mirror_equals_the_sqlite_table_whatever_order_the_batches_arrive_in_and_however_often() =>
        GenArrival.SampleAsync(async arrival =>
        {
            var batches = await JournalAsync(arrival.Scenario);
            var (table, device) = await ProvisionAsync();
            var order = Enumerable.Range(0, batches.Count).OrderBy(i => arrival.Order[i % arrival.Order.Length]).ToList();
            order.AddRange(order.Where(i => arrival.Again[i % arrival.Again.Length]).ToList());
            foreach (var i in order)
                await db.ApplyAsync(table, device, batches[i].Changes);
            Assert.Equal(batches[^1].RowsAfter, await MirrorRowsAsync(table.Name, Names));
        }, iter: 80, threads: 4, print: a => a.ToString());

    /// <param name="Interleave">Which device's next batch comes next: true the first's, false the second's.</param>
    public sealed record TwoDevices(Arrival First, Arrival Second, bool[] Interleave)
    {
        public override string ToString() => $"First: {First} Second: {Second} Interleave=[{string.Join(",", Interleave)}]";
    }

    private static readonly Gen<TwoDevices> GenTwoDevices = Gen.Select(GenArrival, GenArrival, Gen.Bool.Array[1, 20],
        (first, second, interleave) => new TwoDevices(first, second, interleave));

    [Fact]
    public Task Each_devices_slice_of_a_coalesced_table_equals_its_sqlite_table_whatever_order_the_batches_of_both_arrive_in() =>
        GenTwoDevices.SampleAsync(async two =>
        {
            var first = await JournalAsync(two.First.Scenario);
            var second = await JournalAsync(two.Second.Scenario);
            var name = await db.ProvisionCoalescedAsync(Guid.NewGuid(), $"p{Guid.NewGuid():N}"[..12], "t", Columns);
            var table = new MirrorTable(name, Columns, MirrorLayout.Coalesced);
            var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
            var queueA = new Queue<int>(ArrivalOrder(two.First, first.Count));
            var queueB = new Queue<int>(ArrivalOrder(two.Second, second.Count));
            for (var step = 0; queueA.Count + queueB.Count > 0; step++)
            {
                var takeA = queueB.Count == 0 || (queueA.Count > 0 && two.Interleave[step % two.Interleave.Length]);
                if (takeA)
                    await db.ApplyAsync(table, a, first[queueA.Dequeue()].Changes);
                else
                    await db.ApplyAsync(table, b, second[queueB.Dequeue()].Changes);
            }
            Assert.Equal(first[^1].RowsAfter, await MirrorRowsAsync(name, Names, a));
            Assert.Equal(second[^1].RowsAfter, await MirrorRowsAsync(name, Names, b));
        }, iter: 60, threads: 4, print: t => t.ToString());

    /// <summary>The batches in the arrival's order, those it repeats once more at the end.</summary>
    private static List<int> ArrivalOrder(Arrival arrival, int count)
    {
        var order = Enumerable.Range(0, count).OrderBy(i => arrival.Order[i % arrival.Order.Length]).ToList();
        order.AddRange(order.Where(i => arrival.Again[i % arrival.Again.Length]).ToList());
        return order;
    }

    private async Task<(MirrorTable Table, Guid Device)> ProvisionAsync()
    {
        var device = Guid.NewGuid();
        return (new MirrorTable(await db.ProvisionAsync(device, "t", Columns), Columns), device);
    }

    private async Task RunAsync(Scenario scenario)
    {
        var batches = await JournalAsync(scenario);
        var (table, device) = await ProvisionAsync();
        for (var batchIndex = 0; batchIndex < batches.Count; batchIndex++)
        {
            var (changes, expected) = batches[batchIndex];
            for (var attempt = 0; attempt < (scenario.Twice[batchIndex % scenario.Twice.Length] ? 2 : 1); attempt++)
            {
                var before = attempt == 1 ? await db.RowsAsync(table.Name, Names[0], Names[1]) : null;
                await db.ApplyAsync(table, device, changes);
                if (before is not null)
                    Assert.Equal(before, await db.RowsAsync(table.Name, Names[0], Names[1])); // the second time writes nothing
                Assert.Equal(expected, await MirrorRowsAsync(table.Name, Names));
            }
        }
    }

    /// <summary>Runs the scenario's ops on a SQLite table and cuts the journal they make into its batches.</summary>
    private static async Task<List<Batch>> JournalAsync(Scenario scenario)
    {
        await using var sqlite = new SqliteConnection("Data Source=:memory:");
        await sqlite.OpenAsync();
        await ExecAsync(sqlite, $"CREATE TABLE t (k INTEGER NOT NULL, s TEXT NOT NULL, \"{WeirdColumn.Replace("\"", "\"\"")}\" INTEGER, r REAL, b BLOB, n NUMERIC, PRIMARY KEY (k, s))");
        var batches = new List<Batch>();
        var ops = scenario.Ops;
        var cuts = scenario.Cuts.Select(c => c % ops.Length).Where(c => c > 0).Append(ops.Length).Distinct().Order().ToArray();
        var epoch = Guid.CreateVersion7(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        long seq = 0;
        var start = 0;
        for (var batchIndex = 0; batchIndex < cuts.Length; batchIndex++)
        {
            var changes = new List<MirrorRowChange>();
            for (var i = start; i < cuts[batchIndex]; i++)
            {
                if (i == scenario.EpochSwitch)
                {
                    epoch = Guid.CreateVersion7(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i));
                    seq = 0;
                }
                if (await ApplyToSqliteAsync(sqlite, ops[i]) is { } journal)
                    changes.Add(new MirrorRowChange(epoch, ++seq, journal.Op, journal.Pk, journal.Row));
            }
            start = cuts[batchIndex];
            batches.Add(new Batch(changes, await SqliteRowsAsync(sqlite)));
        }
        return batches;
    }

    /// <summary>Runs the op on SQLite and returns the journal entry it makes (as a trigger-based agent would), or null.</summary>
    private static async Task<(string Op, string Pk, string? Row)?> ApplyToSqliteAsync(SqliteConnection sqlite, Op op)
    {
        var s = TextKeys[op.S];
        var pk = Json(w => { w.WriteNumber("k", op.K); w.WriteString("s", s); });
        await using var exists = Command(sqlite, "SELECT count(*) FROM t WHERE k = $k AND s = $s", op);
        var present = (long)(await exists.ExecuteScalarAsync())! > 0;
        if (op.Kind >= 4)
        {
            if (!present)
                return op.Kind == 4 ? ("delete", pk, null) : null; // sometimes a redundant delete
            await using var delete = Command(sqlite, "DELETE FROM t WHERE k = $k AND s = $s", op);
            await delete.ExecuteNonQueryAsync();
            return ("delete", pk, null);
        }
        var sql = present
            ? $"UPDATE t SET \"{WeirdColumn.Replace("\"", "\"\"")}\" = $v, r = $r, b = $b, n = $n WHERE k = $k AND s = $s"
            : $"INSERT INTO t VALUES ($k, $s, $v, $r, $b, $n)";
        await using (var write = Command(sqlite, sql, op))
            await write.ExecuteNonQueryAsync();
        await using var read = Command(sqlite, $"SELECT * FROM t WHERE k = $k AND s = $s", op);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var row = Json(w =>
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                w.WritePropertyName(reader.GetName(i));
                switch (reader.GetValue(i))
                {
                    case DBNull: w.WriteNullValue(); break;
                    case long l: w.WriteNumberValue(l); break;
                    case double d: w.WriteNumberValue(d); break;
                    case string text: w.WriteStringValue(text); break;
                    case byte[] bytes: w.WriteBase64StringValue(bytes); break;
                    case var other: throw new InvalidOperationException(other.GetType().Name);
                }
            }
        });
        return (present ? "update" : "insert", pk, row);
    }

    private static SqliteCommand Command(SqliteConnection sqlite, string sql, Op op)
    {
        var command = sqlite.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$k", op.K);
        command.Parameters.AddWithValue("$s", TextKeys[op.S]);
        command.Parameters.AddWithValue("$v", (object?)op.V ?? DBNull.Value);
        command.Parameters.AddWithValue("$r", (object?)op.R ?? DBNull.Value);
        command.Parameters.AddWithValue("$b", (object?)op.B ?? DBNull.Value);
        command.Parameters.AddWithValue("$n", op.N ?? DBNull.Value);
        return command;
    }

    private static async Task ExecAsync(SqliteConnection sqlite, string sql)
    {
        await using var command = sqlite.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Rows as comparable text: k, s, v, r, b (base64), n (as double), sorted by (k, s) ordinal.</summary>
    private static async Task<List<string>> SqliteRowsAsync(SqliteConnection sqlite)
    {
        await using var command = sqlite.CreateCommand();
        command.CommandText = "SELECT * FROM t";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, string, string)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetInt64(0), reader.GetString(1), Format(
                reader.GetInt64(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4),
                reader.IsDBNull(5) ? null : Convert.ToDouble(reader.GetValue(5), CultureInfo.InvariantCulture))));
        return rows.OrderBy(r => r.Item1).ThenBy(r => r.Item2, StringComparer.Ordinal).Select(r => r.Item3).ToList();
    }

    /// <param name="device">Only this device's rows (of a coalesced table).</param>
    private async Task<List<string>> MirrorRowsAsync(string table, IReadOnlyList<string> names, Guid? device = null)
    {
        await using var command = db.DataSource.CreateCommand(
            $"SELECT {string.Join(", ", names.Select((n, i) => PgIdentifier.Quote(n) + (i == 5 ? "::text" : "")))} FROM {PgIdentifier.Qualified("edge_mirror", table)}" +
            (device is null ? "" : $" WHERE {PlatformColumns.DeviceId} = @device"));
        if (device is { } only)
            command.Parameters.AddWithValue("device", only);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, string, string)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetInt64(0), reader.GetString(1), Format(
                reader.GetInt64(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4),
                reader.IsDBNull(5) ? null : double.Parse(reader.GetString(5), CultureInfo.InvariantCulture))));
        return rows.OrderBy(r => r.Item1).ThenBy(r => r.Item2, StringComparer.Ordinal).Select(r => r.Item3).ToList();
    }

    private static string Format(long k, string s, long? v, double? r, byte[]? b, double? n) =>
        string.Join("|", k, JsonSerializer.Serialize(s), v?.ToString() ?? "null",
            r is { } real ? (real == 0 ? 0 : real).ToString("R", CultureInfo.InvariantCulture) : "null",
            b is null ? "null" : Convert.ToBase64String(b),
            n is { } num ? (num == 0 ? 0 : num).ToString("R", CultureInfo.InvariantCulture) : "null");
}
