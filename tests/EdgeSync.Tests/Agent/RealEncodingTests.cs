using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Publish;
using EdgeSync.Mirrors;
using EdgeSync.Wire;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>
/// REAL values from the SQLite file to the double the cloud writes into <c>double precision</c>:
/// real capture triggers, the publisher's conversion, the cloud's batch reader and REAL parser.
/// The columns are named <c>p</c> and <c>e</c> on purpose, like the lookup table's columns.
/// </summary>
public sealed class RealEncodingTests : IDisposable
{
    // p has REAL affinity (SQLite stores -0.0 there as integer 0); e has none, so it keeps -0.0.
    private const string TableSql = "CREATE TABLE r (id INTEGER PRIMARY KEY, p REAL, e)";

    // Misrendered by printf('%!.17g') of SQLite 3.40.1 (Debian 12): the issue's value, and
    // double.MaxValue, which even comes out as …156e+308.
    private const double IssueValue = 1.4222534544379405e+253;

    private readonly DeviceDatabase _db = new(TableSql);

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Every_finite_double_SQLite_holds_is_published_bit_exact_but_the_sign_of_zero()
    {
        var values = Doubles(seed: 17, random: 3000);
        var half = values.Count / 2;
        // The first half exists before enrollment (the baseline's SELECT), the rest is captured by the triggers.
        Insert(_db, values.Take(half), firstId: 0);
        var (source, journal) = Enroll();
        using var _ = source;
        Insert(_db, values.Skip(half), firstId: half);

        var published = Publish(journal);
        AssertBitExact(_db.Rows("r", "id"), published, values.Count, expectedNegativeZeros: 1);
    }

    [Fact]
    public void Triggers_running_in_an_older_SQLite_whose_printf_misrenders_doubles_still_publish_them_bit_exact()
    {
        var (source, journal) = Enroll();
        using var _ = source;
        // The application's SQLite is the sqlite3 command-line tool (its own library, a version the
        // agent did not choose); the values come from a staging file so their bits are exact.
        var values = Doubles(seed: 23, random: 2000);
        var staging = Path.Combine(_db.Directory, "values.db");
        using (var db = new SqliteConnection($"Data Source={staging};Pooling=False"))
        {
            db.Open();
            using var create = db.CreateCommand();
            create.CommandText = "CREATE TABLE v (id INTEGER PRIMARY KEY, x)";
            create.ExecuteNonQuery();
            InsertStaging(db, values);
        }

        var output = Sqlite3Cli(_db.Path, $"""
            ATTACH '{staging}' AS s;
            INSERT INTO r (id, p, e) SELECT id, x, x FROM s.v;
            SELECT 'version', sqlite_version();
            SELECT id, printf('%!.17g', x) FROM s.v;
            """);
        var version = Version.Parse(output.Single(l => l[0] == "version")[1]);
        var oldEncoding = output.Where(l => l[0] != "version")
            .ToDictionary(l => int.Parse(l[0], CultureInfo.InvariantCulture), l => double.Parse(l[1], CultureInfo.InvariantCulture));
        var misrendered = values.Select((v, i) => (v, i)).Where(x => BitConverter.DoubleToInt64Bits(oldEncoding[x.i]) != BitConverter.DoubleToInt64Bits(x.v) && x.v != 0).ToList();
        // SQLite 3.40 (Debian 12's CLI) renders these wrong; 3.43 rewrote the conversion. Where the
        // CLI is older than that, the test must meet values the decimal encoding lost, or it would
        // not show that the new one keeps them.
        if (version < new Version(3, 43))
        {
            Assert.Contains(misrendered, x => x.v == IssueValue);
            Assert.Contains(misrendered, x => x.v == double.MaxValue);
            Assert.True(misrendered.Count >= 5, $"only {misrendered.Count} values misrendered by printf in SQLite {version}");
        }

        AssertBitExact(_db.Rows("r", "id"), Publish(journal), values.Count, expectedNegativeZeros: 1);
    }

    [Fact]
    public void Triggers_of_an_agent_with_the_decimal_encoding_are_replaced_once_and_the_rows_journaled_again()
    {
        _db.Execute("INSERT INTO r VALUES (1, $v, $v)", ("$v", IssueValue));
        using var source = SourceDatabase.OpenExisting(_db.Path);
        var journal = new JournalStore(source);
        var shape = TableCatalog.Shape(source, "r")!;
        using (var transaction = source.BeginImmediate())
        {
            journal.CreateIdentity(transaction);
            journal.RememberSchema(shape, transaction);
            // What the previous agent installed: same schema hash, decimal REAL, no powers-of-two table.
            foreach (var trigger in DecimalTriggers(shape.Hash))
                source.Execute(trigger, transaction);
            transaction.Commit();
        }
        Assert.Equal(0, _db.Count($"SELECT count(*) FROM sqlite_master WHERE name = '{PowersOfTwo.Table}'"));

        var enroller = new Enroller(source, journal, _db.ConfigFor(Device, 1), NullLogger.Instance);
        var upgrade = enroller.Apply(baselineAll: false).Single();
        Assert.True(upgrade.Installed, "older triggers with the same schema hash are replaced");
        Assert.True(upgrade.Baselined, "the rows the older triggers may have misrendered are journaled again");
        Assert.True(PowersOfTwo.IsComplete(source));
        var again = enroller.Apply(baselineAll: false).Single();
        Assert.False(again.Installed || again.Baselined, "current triggers are left alone");

        _db.Execute("UPDATE r SET p = -p, e = -e WHERE id = 1");
        var rows = journal.Read("r", 0, 100);
        Assert.Equal(["insert", "update"], rows.Select(r => r.Op));
        AssertBitExact(_db.Rows("r", "id"), Publish(journal), 1);
    }

    [Fact]
    public void A_damaged_powers_of_two_table_never_yields_a_wrong_number_and_is_repaired_at_the_next_enrollment()
    {
        var (source, journal) = Enroll();
        using var _ = source;
        // The issue's value lies in [2^840, 2^841): without 2^840 it is split against 2^839 and its
        // mantissa reaches 2^53, which no double needs.
        _db.Execute($"DELETE FROM {PowersOfTwo.Table} WHERE e = 840");
        _db.Execute("INSERT INTO r VALUES (1, $v, NULL)", ("$v", IssueValue));
        Assert.False(PowersOfTwo.IsComplete(source));

        var bad = new List<Exception>();
        var payload = RowBatchBuilder.Build("r", Guid.CreateVersion7().ToString(), journal.Read("r", 0, 100), journal.FingerprintOf, null,
            onBadRow: (_, e) => bad.Add(e))!;
        Assert.Equal(0, payload.RowCount);
        Assert.IsType<FormatException>(Assert.Single(bad));

        new Enroller(source, journal, _db.ConfigFor(Device, 1), NullLogger.Instance).Apply(baselineAll: false);
        Assert.True(PowersOfTwo.IsComplete(source));
        _db.Execute("UPDATE r SET e = p WHERE id = 1");
        AssertBitExact(_db.Rows("r", "id"), Publish(journal, afterSeq: payload.LastConsideredSeq), 1);
    }

    [Fact]
    public void A_wide_table_of_REAL_columns_gets_triggers_SQLite_can_parse_and_run()
    {
        // One subquery per REAL column adds a constant depth to the trigger, not one that grows with the width.
        const int columns = 200;
        _db.Execute($"CREATE TABLE wide (id INTEGER PRIMARY KEY, {string.Join(", ", Enumerable.Range(0, columns).Select(i => $"c{i} REAL"))})");
        using var source = SourceDatabase.OpenExisting(_db.Path);
        var journal = new JournalStore(source);
        using (var transaction = source.BeginImmediate())
        {
            journal.CreateIdentity(transaction);
            transaction.Commit();
        }
        new Enroller(source, journal, _db.ConfigFor(Device, 1, tables: new Dictionary<string, EdgeSync.Agent.Config.TableStrategy> { ["wide"] = EdgeSync.Agent.Config.TableStrategy.Rows }),
            NullLogger.Instance).Apply(baselineAll: true);
        var values = Doubles(seed: 5, random: columns).TakeLast(columns).ToList();
        _db.Execute($"INSERT INTO wide VALUES (1, {string.Join(", ", Enumerable.Range(0, columns).Select(i => $"$v{i}"))})",
            Enumerable.Range(0, columns).Select(i => ($"$v{i}", (object?)values[i])).ToArray());

        // The update trigger fires in the sqlite3 tool too: an older parser than the agent's must take it.
        Sqlite3Cli(_db.Path, "UPDATE wide SET c0 = c0;");

        var rows = journal.Read("wide", 0, 10);
        Assert.Equal(["insert", "update"], rows.Select(r => r.Op));
        var row = rows[^1];
        var payload = RowBatchBuilder.Build("wide", Guid.CreateVersion7().ToString(), [row], journal.FingerprintOf, null)!;
        var read = RowBatchReader.Read(payload.Payload);
        Assert.True(read.IsAccepted, read.ToString());
        var published = WireObject.Parse(Assert.Single(read.Value!.Rows).RowJson!);
        for (var i = 0; i < columns; i++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(values[i]), BitConverter.DoubleToInt64Bits(Real(published.Values[published.LastIndexOf($"c{i}")])!.Value));
    }

    [Fact]
    public void The_lookup_of_the_power_of_two_is_an_index_seek()
    {
        var (source, _) = Enroll();
        using var _ = source;
        var plan = string.Join("\n", Sqlite3CliRaw(_db.Path,
            $"EXPLAIN QUERY PLAN SELECT x.e FROM {PowersOfTwo.Table} AS x WHERE x.p <= abs(-1.5) ORDER BY x.p DESC LIMIT 1;"));
        Assert.Contains("SEARCH", plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
    }

    private static readonly Infrastructure.RegisteredDevice Device = new(Guid.Empty, "p", Guid.Empty, "gw", "p/gw", "s", "p/gw");

    private (SourceDatabase Source, JournalStore Journal) Enroll()
    {
        var source = SourceDatabase.OpenExisting(_db.Path);
        var journal = new JournalStore(source);
        using (var transaction = source.BeginImmediate())
        {
            journal.CreateIdentity(transaction);
            transaction.Commit();
        }
        var decision = new Enroller(source, journal, _db.ConfigFor(Device, 1), NullLogger.Instance).Apply(baselineAll: true).Single();
        Assert.Equal(TableOutcome.Enrolled, decision.Outcome);
        return (source, journal);
    }

    /// <summary>
    /// Finite doubles from random bit patterns (mostly huge or tiny exponents), plus the edges:
    /// extremes, subnormals, ±0, powers of two and of ten with their neighbours, values printf
    /// misrenders, decimal fractions.
    /// </summary>
    public static List<double> Doubles(int seed, int random)
    {
        var values = new List<double>
        {
            0.0, -0.0, double.MaxValue, -double.MaxValue, double.Epsilon, -double.Epsilon,
            BitConverter.Int64BitsToDouble(0x000F_FFFF_FFFF_FFFF), // largest subnormal
            Math.ScaleB(1, -1022), -Math.ScaleB(1, -1022), Math.ScaleB(1, 1023),
            IssueValue, -IssueValue, -1.1661348785953643e+294, 1.1852079242837056e+207, 2.1223316461908695e+301,
            0.1, -0.1, 1.0 / 3, 2.0 / 3, 1e-7, 123456.789, 9007199254740993.0, 1.5, -2.0, 1.0,
        };
        for (var k = -1074; k <= 1023; k += 7)
        {
            var power = Math.ScaleB(1, k);
            values.AddRange([power, Math.BitDecrement(power), Math.BitIncrement(power), -power]);
        }
        for (var k = -323; k <= 308; k += 3)
        {
            var power = double.Parse($"1e{k}", CultureInfo.InvariantCulture);
            values.AddRange([power, Math.BitDecrement(power), Math.BitIncrement(power)]);
        }
        var rng = new Random(seed);
        for (var added = 0; added < random;)
        {
            var value = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
            if (!double.IsFinite(value))
                continue;
            values.Add(value);
            added++;
        }
        return values;
    }

    private static void Insert(DeviceDatabase db, IEnumerable<double> values, int firstId)
    {
        db.Execute("BEGIN");
        var id = firstId;
        foreach (var value in values)
            db.Execute("INSERT INTO r (id, p, e) VALUES ($id, $v, $v)", ("$id", id++), ("$v", value));
        db.Execute("COMMIT");
    }

    private static void InsertStaging(SqliteConnection db, List<double> values)
    {
        using var transaction = db.BeginTransaction();
        using var insert = db.CreateCommand();
        insert.CommandText = "INSERT INTO v (id, x) VALUES ($id, $x)";
        insert.Parameters.AddWithValue("$id", 0);
        insert.Parameters.AddWithValue("$x", 0d);
        for (var i = 0; i < values.Count; i++)
        {
            insert.Parameters["$id"].Value = i;
            insert.Parameters["$x"].Value = values[i];
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>
    /// The journal through the publisher (RowBatchBuilder), the cloud's batch reader and the cloud's
    /// REAL conversion (what goes into <c>double precision</c>): id → (p, e), the last row per id.
    /// </summary>
    private static Dictionary<long, (double? P, double? E)> Publish(JournalStore journal, long afterSeq = 0)
    {
        var published = new Dictionary<long, (double?, double?)>();
        var epoch = Guid.CreateVersion7().ToString();
        for (var rows = journal.Read("r", afterSeq, 10_000); rows.Count > 0; rows = journal.Read("r", afterSeq, 10_000))
        {
            var payload = RowBatchBuilder.Build("r", epoch, rows, journal.FingerprintOf, null,
                onBadRow: (row, e) => Assert.Fail($"journal row {row.CommitSeq} was not published: {e.Message}"))!;
            var read = RowBatchReader.Read(payload.Payload);
            Assert.True(read.IsAccepted, read.ToString());
            foreach (var row in read.Value!.Rows)
            {
                var values = WireObject.Parse(row.RowJson!);
                published[long.Parse(values.Values[values.LastIndexOf("id")].Text!, CultureInfo.InvariantCulture)] =
                    (Real(values.Values[values.LastIndexOf("p")]), Real(values.Values[values.LastIndexOf("e")]));
            }
            afterSeq = payload.LastConsideredSeq;
        }
        return published;
    }

    private static double? Real(WireScalar value)
    {
        if (value.Kind == JsonValueKind.Null)
            return null;
        var error = MirrorValues.ToReal(value, out var result);
        Assert.True(error is null, error);
        return result;
    }

    /// <summary>
    /// Every value SQLite holds arrived with the same 64 bits, except -0.0 (only a column without
    /// REAL affinity keeps it), which arrives as 0.0: no SQL function of SQLite shows the sign of a
    /// zero (printf, CAST, quote, json all print 0.0; 1/x is NULL), so the triggers cannot see it.
    /// </summary>
    private static void AssertBitExact(Dictionary<string, Dictionary<string, object?>> held, Dictionary<long, (double? P, double? E)> published, int expectedRows,
        int expectedNegativeZeros = 0)
    {
        Assert.Equal(expectedRows, held.Count);
        Assert.Equal(expectedRows, published.Count);
        var negativeZeros = 0;
        var failures = new List<string>();
        foreach (var (id, row) in held)
        {
            var (p, e) = published[long.Parse(id, CultureInfo.InvariantCulture)];
            foreach (var (column, arrived) in new[] { ("p", p), ("e", e) })
            {
                var stored = (double)row[column]!;
                if (BitConverter.DoubleToInt64Bits(stored) == BitConverter.DoubleToInt64Bits(-0.0))
                {
                    negativeZeros++;
                    stored = 0.0;
                }
                if (arrived is not { } value || BitConverter.DoubleToInt64Bits(value) != BitConverter.DoubleToInt64Bits(stored))
                    failures.Add($"id {id} {column}: SQLite {stored:R}, published {arrived?.ToString("R", CultureInfo.InvariantCulture) ?? "null"}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} values not bit-exact:\n{string.Join("\n", failures.Take(20))}");
        Assert.Equal(expectedNegativeZeros, negativeZeros);
    }

    private static IEnumerable<string> DecimalTriggers(string hash)
    {
        static string Value(string v) =>
            $"(CASE typeof({v}) WHEN 'integer' THEN CAST({v} AS TEXT) " +
            $"WHEN 'real' THEN (CASE WHEN {v} BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308 THEN printf('%!.17g', {v}) ELSE 'null' END) " +
            $"WHEN 'text' THEN json_quote({v}) " +
            "ELSE 'null' END)";
        string Row(string prefix) =>
            $"'{{\"id\":' || {Value(prefix + "\"id\"")} || ',\"p\":' || {Value(prefix + "\"p\"")} || ',\"e\":' || {Value(prefix + "\"e\"")} || '}}'";
        const string into = "INSERT INTO __edgesync_journal (table_name, op, pk, row, schema_hash)";
        yield return $"CREATE TRIGGER \"__edgesync_r_insert\" AFTER INSERT ON \"r\" BEGIN {into} VALUES ('r', 'insert', '{{\"id\":' || NEW.\"id\" || '}}', {Row("NEW.")}, '{hash}'); END";
        yield return $"CREATE TRIGGER \"__edgesync_r_update\" AFTER UPDATE ON \"r\" BEGIN {into} VALUES ('r', 'update', '{{\"id\":' || NEW.\"id\" || '}}', {Row("NEW.")}, '{hash}'); END";
        yield return $"CREATE TRIGGER \"__edgesync_r_delete\" AFTER DELETE ON \"r\" BEGIN {into} VALUES ('r', 'delete', '{{\"id\":' || OLD.\"id\" || '}}', NULL, '{hash}'); END";
    }

    /// <summary>Runs SQL in the sqlite3 command-line tool; its output lines split at '|'.</summary>
    private static List<string[]> Sqlite3Cli(string database, string sql) =>
        Sqlite3CliRaw(database, sql).Select(l => l.Split('|')).ToList();

    private static List<string> Sqlite3CliRaw(string database, string sql)
    {
        using var process = Process.Start(new ProcessStartInfo("sqlite3", ["-bail", database])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(sql);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "sqlite3 did not finish within 60 s");
        Assert.True(process.ExitCode == 0, $"sqlite3 exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
