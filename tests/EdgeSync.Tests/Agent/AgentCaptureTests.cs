using System.Text;
using System.Text.Json;
using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Config;
using EdgeSync.Agent.Publish;
using EdgeSync.Tests.Wire;
using EdgeSync.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>Capture triggers, journal and batch building against real SQLite files, without a broker.</summary>
public sealed class AgentCaptureTests : IDisposable
{
    private readonly DeviceDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private (SourceDatabase Source, JournalStore Journal, IReadOnlyList<TableDecision> Decisions) Enroll(IReadOnlyDictionary<string, TableStrategy>? tables = null)
    {
        var source = SourceDatabase.OpenExisting(_db.Path);
        var journal = new JournalStore(source);
        using (var transaction = source.BeginImmediate())
        {
            journal.CreateIdentity(transaction);
            transaction.Commit();
        }
        var config = _db.ConfigFor(new Infrastructure.RegisteredDevice(Guid.Empty, "p", Guid.Empty, "gw", "p/gw", "s", "p/gw"), 1, tables: tables);
        return (source, journal, new Enroller(source, journal, config, NullLogger.Instance).Apply(baselineAll: true));
    }

    private static RowBatch ReadBack(RowBatchPayload payload)
    {
        var read = RowBatchReader.Read(payload.Payload);
        Assert.True(read.IsAccepted, read.ToString());
        return read.Value!;
    }

    [Fact]
    public void The_fingerprint_is_the_clouds_canonical_one()
    {
        _db.Execute(FingerprintVectors.DeviceState.CreateTable);
        using var source = SourceDatabase.OpenExisting(_db.Path);
        var shape = TableCatalog.Shape(source, "device_state")!;
        Assert.Equal(FingerprintVectors.DeviceState.Hash, shape.Hash);
        Assert.Equal(FingerprintVectors.DeviceState.Canonical, shape.Fingerprint.ToCanonicalJson());
    }

    [Fact]
    public void Changes_by_another_connection_are_journaled_in_the_wire_value_encoding()
    {
        _db.Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL, s TEXT, b BLOB, n NUMERIC, z)");
        var (source, journal, _) = Enroll();
        using var _ = source;
        _db.Execute("INSERT INTO t VALUES (1, 0.1, $s, x'00ff10', '12.50', NULL)", ("$s", "Grüße \"日本\" 🚀\n\\"));
        _db.Execute("INSERT INTO t VALUES (9007199254740993, 2.0, '', x'', 9007199254740993, 1e300)");
        _db.Execute("INSERT INTO t VALUES (3, -1.5e-7, 42, 'text in a blob column', -7, x'01')");

        var rows = journal.Read("t", 0, 100);
        var batch = ReadBack(RowBatchBuilder.Build("t", Guid.CreateVersion7().ToString(), rows, journal.FingerprintOf, null)!);
        Assert.Equal(3, batch.Rows.Count);
        Assert.NotNull(batch.SchemaColumns);
        var first = JsonDocument.Parse(batch.Rows[0].RowJson!).RootElement;
        Assert.Equal(1, first.GetProperty("id").GetInt64());
        Assert.Equal("0.1", first.GetProperty("r").GetRawText());
        Assert.Equal("Grüße \"日本\" 🚀\n\\", first.GetProperty("s").GetString());
        Assert.Equal(Convert.ToBase64String([0x00, 0xff, 0x10]), first.GetProperty("b").GetString());
        Assert.Equal("12.5", first.GetProperty("n").GetRawText()); // NUMERIC affinity stored '12.50' as REAL 12.5
        Assert.Equal(JsonValueKind.Null, first.GetProperty("z").ValueKind);
        var second = JsonDocument.Parse(batch.Rows[1].RowJson!).RootElement;
        Assert.Equal(9007199254740993, second.GetProperty("id").GetInt64());
        Assert.Equal("2.0", second.GetProperty("r").GetRawText()); // a REAL stays a REAL
        Assert.Equal("", second.GetProperty("b").GetString());
        Assert.Equal(9007199254740993, second.GetProperty("n").GetInt64());
        Assert.Equal(1e300, second.GetProperty("z").GetDouble());
        var third = JsonDocument.Parse(batch.Rows[2].RowJson!).RootElement;
        Assert.Equal(-1.5e-7, third.GetProperty("r").GetDouble());
        Assert.Equal("42", third.GetProperty("s").GetString()); // TEXT affinity stored the number as text
        Assert.Equal("text in a blob column", third.GetProperty("b").GetString()); // storage class decides, not affinity
        Assert.Equal(Convert.ToBase64String([0x01]), third.GetProperty("z").GetString());
    }

    [Fact]
    public void An_update_of_the_primary_key_is_a_delete_of_the_old_key_and_an_insert_of_the_new_one()
    {
        _db.Execute("CREATE TABLE v (site TEXT NOT NULL COLLATE NOCASE, slot INTEGER NOT NULL, state TEXT, PRIMARY KEY (site, slot))");
        _db.Execute("INSERT INTO v VALUES ('north', 1, 'open')");
        var (source, journal, _) = Enroll();
        using var _ = source;
        _db.Execute("UPDATE v SET state = 'closed' WHERE slot = 1");
        _db.Execute("UPDATE v SET slot = 2 WHERE slot = 1");
        _db.Execute("UPDATE v SET site = 'NORTH' WHERE slot = 2"); // equal under NOCASE, a different key in the cloud
        _db.Execute("DELETE FROM v");

        var ops = journal.Read("v", 0, 100).Select(r => $"{r.Op} {r.PkJson}").ToList();
        Assert.Equal(
        [
            """insert {"site":"north","slot":1}""", // baseline
            """update {"site":"north","slot":1}""",
            """delete {"site":"north","slot":1}""",
            """insert {"site":"north","slot":2}""",
            """delete {"site":"north","slot":2}""",
            """insert {"site":"NORTH","slot":2}""",
            """delete {"site":"NORTH","slot":2}""",
        ], ops);
    }

    [Fact]
    public void Tables_without_primary_key_are_refused_ignored_and_telemetry_tables_get_no_triggers()
    {
        _db.Execute("CREATE TABLE keyed (id INTEGER PRIMARY KEY); CREATE TABLE rowid_only (a, b); CREATE TABLE series (ts INTEGER PRIMARY KEY, v REAL); CREATE TABLE skip (id INTEGER PRIMARY KEY)");
        var (source, _, decisions) = Enroll(new Dictionary<string, TableStrategy>
        {
            ["keyed"] = TableStrategy.Rows, ["rowid_only"] = TableStrategy.Rows, ["series"] = TableStrategy.Telemetry, ["skip"] = TableStrategy.Ignore,
        });
        using var _ = source;
        Assert.Equal(TableOutcome.Enrolled, decisions.Single(d => d.Table == "keyed").Outcome);
        Assert.Equal(TableOutcome.RefusedNoPrimaryKey, decisions.Single(d => d.Table == "rowid_only").Outcome);
        Assert.Equal(TableOutcome.EnrolledTelemetry, decisions.Single(d => d.Table == "series").Outcome);
        Assert.Equal(TableOutcome.Ignored, decisions.Single(d => d.Table == "skip").Outcome);
        Assert.Equal(3, _db.Count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"));
        Assert.Equal(3, _db.Count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'keyed'"));
    }

    [Fact]
    public void Batches_never_exceed_4096_rows_or_512_KiB_and_cover_the_journal_in_order()
    {
        _db.Execute("CREATE TABLE wide (id INTEGER PRIMARY KEY, payload TEXT)");
        _db.Execute("CREATE TABLE narrow (id INTEGER PRIMARY KEY)");
        _db.Execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9000)
            INSERT INTO narrow SELECT i FROM n
            """);
        _db.Execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
            INSERT INTO wide SELECT i, printf('%.5000c', 'x') FROM n
            """);
        var (source, journal, _) = Enroll();
        using var _ = source;
        var epoch = Guid.CreateVersion7().ToString();

        foreach (var (table, expectedRows) in new[] { ("narrow", 9000), ("wide", 300) })
        {
            long after = 0;
            var total = 0;
            string? sent = null;
            var batches = 0;
            while (journal.Read(table, after, RowBatchBuilder.MaxRows) is { Count: > 0 } rows)
            {
                var payload = RowBatchBuilder.Build(table, epoch, rows, journal.FingerprintOf, sent)!;
                Assert.True(payload.Payload.Length <= WireLimits.MaxPayloadBytes, $"{payload.Payload.Length} bytes");
                var batch = ReadBack(payload);
                Assert.Equal(batches == 0, batch.SchemaColumns is not null); // schema_columns on the first batch only
                Assert.True(batch.FirstCommitSeq > after);
                total += batch.Rows.Count;
                after = payload.LastConsideredSeq;
                sent = payload.SchemaHash;
                batches++;
            }
            Assert.Equal(expectedRows, total);
            Assert.True(batches >= (table == "narrow" ? 3 : 3), $"{table}: {batches} batches");
        }
    }

    [Fact]
    public void A_retried_batch_in_flight_is_rebuilt_byte_for_byte_with_the_same_id()
    {
        _db.Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
        _db.Execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        var (source, journal, _) = Enroll();
        using var _ = source;
        var epoch = Guid.CreateVersion7().ToString();
        var first = RowBatchBuilder.Build("t", epoch, journal.Read("t", 0, 100), journal.FingerprintOf, null)!;
        _db.Execute("INSERT INTO t VALUES (4, 'd')"); // arrives after the batch was built
        var retry = RowBatchBuilder.Build("t", epoch, journal.Read("t", first.FirstCommitSeq - 1, int.MaxValue, first.LastConsideredSeq),
            journal.FingerprintOf, null, first.BatchId, takeAll: true)!;
        Assert.Equal(Encoding.UTF8.GetString(first.Payload), Encoding.UTF8.GetString(retry.Payload));
    }
}
