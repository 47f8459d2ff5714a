using System.Text;
using System.Text.Json;
using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Config;
using EdgeSync.Agent.State;
using EdgeSync.Agent.Telemetry;
using EdgeSync.Agent.Uploads;
using EdgeSync.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using ZstdSharp;

namespace EdgeSync.Tests.Agent;

/// <summary>Telemetry capture, bootstrap snapshots and their state in state.db, against real SQLite files, without a broker.</summary>
[Trait("Category", "Fast")]
public sealed class AgentTelemetryCaptureTests : IDisposable
{
    private readonly DeviceDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private IReadOnlyList<TableDecision> Enroll(IReadOnlyDictionary<string, TableStrategy> tables, IReadOnlyDictionary<string, string>? timestampColumns = null)
    {
        using var source = SourceDatabase.OpenExisting(_db.Path);
        var journal = new JournalStore(source);
        using (var transaction = source.BeginImmediate())
        {
            journal.CreateIdentity(transaction);
            transaction.Commit();
        }
        var config = _db.ConfigFor(new Infrastructure.RegisteredDevice(Guid.Empty, "p", Guid.Empty, "gw", "p/gw", "s", "p/gw"), 1, tables: tables) with
        {
            TimestampColumns = timestampColumns ?? new Dictionary<string, string>(),
        };
        return new Enroller(source, journal, config, NullLogger.Instance).Apply(baselineAll: true);
    }

    private TelemetryTable Telemetry(string table, string column)
    {
        using var source = SourceDatabase.OpenExisting(_db.Path);
        return new TelemetryTable(TableCatalog.Shape(source, table)!, column);
    }

    private List<CursorRow> ReadAll(TelemetryTable table, long after = 0, int limit = int.MaxValue)
    {
        using var source = SourceDatabase.OpenExisting(_db.Path);
        return table.Read(source, after, limit).ToList();
    }

    [Theory]
    [InlineData("2026-12-07T04:39:56Z", "2026-12-07T04:39:56Z")]
    [InlineData("2026-12-07T06:39:56.125+02:00", "2026-12-07T04:39:56.125Z")]
    [InlineData("2026-12-07 04:39:56", "2026-12-07T04:39:56Z")]
    [InlineData("2026-12-07 04:39:56.5", "2026-12-07T04:39:56.5Z")]
    [InlineData("2026-12-07 04:39", "2026-12-07T04:39:00Z")]
    public void Timestamps_stored_as_RFC_3339_or_SQLite_text_are_read_as_UTC(string stored, string sent)
    {
        Assert.True(TelemetryTimestamp.TryRead(stored, out var instant));
        Assert.Equal(sent, TelemetryTimestamp.Format(instant));
    }

    [Fact]
    public void Timestamps_stored_as_Unix_seconds_are_read_as_UTC_and_unreadable_ones_are_refused()
    {
        Assert.True(TelemetryTimestamp.TryRead(1_796_618_396L, out var whole));
        Assert.Equal("2026-12-07T04:39:56Z", TelemetryTimestamp.Format(whole));
        Assert.True(TelemetryTimestamp.TryRead(1_796_618_396.25, out var fraction));
        Assert.Equal("2026-12-07T04:39:56.25Z", TelemetryTimestamp.Format(fraction));
        foreach (var bad in new object?[] { null, "yesterday", "2026-13-01 00:00:00", "", new byte[] { 1 }, double.PositiveInfinity, 1e20, -1e20 })
            Assert.False(TelemetryTimestamp.TryRead(bad, out _), $"{bad} must not be read as a timestamp");
    }

    [Fact]
    public void The_timestamp_column_is_the_configured_one_or_the_only_one_that_looks_like_a_timestamp_and_telemetry_tables_get_no_triggers()
    {
        _db.Execute("""
            CREATE TABLE readings (id INTEGER PRIMARY KEY, recorded_at DATETIME, value REAL);
            CREATE TABLE samples (created TIMESTAMP, updated TIMESTAMP, v REAL);
            CREATE TABLE chosen (created TIMESTAMP, updated TIMESTAMP, v REAL);
            CREATE TABLE plain (a INTEGER, b TEXT);
            CREATE TABLE clustered (ts TEXT PRIMARY KEY, v REAL) WITHOUT ROWID;
            CREATE TABLE wrong (ts TEXT, v REAL);
            """);
        var decisions = Enroll(
            new Dictionary<string, TableStrategy>
            {
                ["readings"] = TableStrategy.Telemetry, ["samples"] = TableStrategy.Telemetry, ["chosen"] = TableStrategy.Telemetry,
                ["plain"] = TableStrategy.Telemetry, ["clustered"] = TableStrategy.Telemetry, ["wrong"] = TableStrategy.Telemetry,
            },
            new Dictionary<string, string> { ["chosen"] = "updated", ["wrong"] = "missing" });

        TableDecision Of(string table) => decisions.Single(d => d.Table == table);
        Assert.Equal((TableOutcome.EnrolledTelemetry, "recorded_at"), (Of("readings").Outcome, Of("readings").TimestampColumn));
        Assert.Equal((TableOutcome.EnrolledTelemetry, "updated"), (Of("chosen").Outcome, Of("chosen").TimestampColumn));
        Assert.Equal(TableOutcome.RefusedTelemetry, Of("samples").Outcome);
        Assert.Contains("several columns", Of("samples").Problem);
        Assert.Equal(TableOutcome.RefusedTelemetry, Of("plain").Outcome);
        Assert.Contains("timestamp_column", Of("plain").Problem);
        Assert.Equal(TableOutcome.RefusedTelemetry, Of("clustered").Outcome);
        Assert.Contains("WITHOUT ROWID", Of("clustered").Problem);
        Assert.Equal(TableOutcome.RefusedTelemetry, Of("wrong").Outcome);
        Assert.Contains("'missing'", Of("wrong").Problem);
        Assert.Equal(0, _db.Count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"));
    }

    [Fact]
    public void A_telemetry_batch_holds_every_other_column_in_fields_its_row_count_and_the_min_and_max_ts_of_its_rows()
    {
        _db.Execute("CREATE TABLE readings (recorded_at TEXT, sensor TEXT, value REAL, raw BLOB)");
        _db.Execute("""
            INSERT INTO readings VALUES ('2026-12-07 10:00:05', 'a', 0.1, x'00ff');
            INSERT INTO readings VALUES ('2026-12-07T09:59:00Z', 'b', 2.0, NULL);
            INSERT INTO readings VALUES ('not a time', 'c', 3.0, NULL);
            INSERT INTO readings VALUES (1796637700, 'd', -1.5e-7, NULL);
            """);
        var table = Telemetry("readings", "recorded_at");
        var skipped = new List<long>();
        var batch = TelemetryBatchBuilder.Build(table, ReadAll(table), Guid.CreateVersion7().ToString(), 7, table.Shape.Fingerprint.ToCanonicalJson(),
            onSkipped: (row, _) => skipped.Add(row.RowId));

        Assert.Equal([3L], skipped);
        Assert.Equal((3, 1, 4L), (batch.RowCount, batch.Skipped, batch.LastConsideredRowid));
        var root = JsonDocument.Parse(batch.Payload).RootElement;
        Assert.Equal(WireLimits.TelemetryBatchCaptureStrategy, root.GetProperty("capture_strategy").GetString());
        Assert.Equal(7, root.GetProperty("batch_seq").GetInt64());
        Assert.Equal("recorded_at", root.GetProperty("timestamp_column").GetString());
        Assert.Equal(table.Shape.Hash, root.GetProperty("schema_hash").GetString());
        Assert.Equal(3, root.GetProperty("row_count").GetInt32());
        Assert.Equal("2026-12-07T09:59:00Z", root.GetProperty("cursor_start_ts").GetString());
        Assert.Equal("2026-12-07T10:01:40Z", root.GetProperty("cursor_end_ts").GetString());
        var rows = root.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal("2026-12-07T10:00:05Z", rows[0].GetProperty("ts").GetString());
        Assert.Equal(1, rows[0].GetProperty("row_id").GetInt64());
        var fields = rows[0].GetProperty("fields");
        Assert.Equal(["sensor", "value", "raw"], fields.EnumerateObject().Select(p => p.Name));
        Assert.Equal("0.1", fields.GetProperty("value").GetRawText());
        Assert.Equal(Convert.ToBase64String([0x00, 0xff]), fields.GetProperty("raw").GetString());
        Assert.Equal("2.0", rows[1].GetProperty("fields").GetProperty("value").GetRawText());
        Assert.Equal(4, rows[2].GetProperty("row_id").GetInt64());
        var columns = root.GetProperty("schema_columns").GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString());
        Assert.Contains("recorded_at", columns); // the fingerprint covers the timestamp column
    }

    [Fact]
    public void Telemetry_batches_never_exceed_4096_rows_or_512_KiB_and_cover_the_table_in_rowid_order()
    {
        _db.Execute("CREATE TABLE narrow (ts INTEGER, v INTEGER); CREATE TABLE wide (ts INTEGER, payload TEXT)");
        _db.Execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9000) INSERT INTO narrow SELECT 1796600000 + i, i FROM n");
        _db.Execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO wide SELECT 1796600000 + i, printf('%.5000c', 'x') FROM n");
        foreach (var (name, expectedRows) in new[] { ("narrow", 9000), ("wide", 300) })
        {
            var table = Telemetry(name, "ts");
            long cursor = 0, seq = 0;
            var seen = 0;
            while (ReadAll(table, cursor, TelemetryBatchBuilder.MaxRows) is { Count: > 0 } rows)
            {
                var batch = TelemetryBatchBuilder.Build(table, rows, Guid.CreateVersion7().ToString(), ++seq, null);
                Assert.InRange(batch.RowCount, 1, WireLimits.MaxRowsPerBatch);
                Assert.InRange(batch.Payload.Length, 1, WireLimits.MaxPayloadBytes);
                var root = JsonDocument.Parse(batch.Payload).RootElement;
                var ids = root.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("row_id").GetInt64()).ToList();
                Assert.Equal(Enumerable.Range((int)cursor + 1, ids.Count).Select(i => (long)i), ids);
                Assert.Equal(ids.Count, root.GetProperty("row_count").GetInt32());
                seen += ids.Count;
                cursor = batch.LastConsideredRowid;
            }
            Assert.Equal(expectedRows, seen);
        }
    }

    [Fact]
    public void The_bootstrap_snapshot_is_a_zstd_JSONL_header_and_one_line_per_row_equal_to_the_table()
    {
        _db.Execute("CREATE TABLE big (site TEXT NOT NULL, id INTEGER NOT NULL, r REAL, s TEXT, b BLOB, PRIMARY KEY (site, id))");
        _db.Execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
            INSERT INTO big SELECT CASE WHEN i % 2 THEN 'north' ELSE 'süd' END, i, i / 7.0, CASE WHEN i % 5 THEN 'row ' || i END, randomblob(i % 4) FROM n
            """);
        using var source = SourceDatabase.OpenExisting(_db.Path);
        var journal = new JournalStore(source);
        using (var transaction = source.BeginImmediate())
        {
            journal.CreateIdentity(transaction);
            transaction.Commit();
        }
        var shape = TableCatalog.Shape(source, "big")!;
        var epoch = Guid.CreateVersion7().ToString();
        var path = Path.Combine(_db.Directory, "snapshot.jsonl.zst");

        var result = SnapshotWriter.Write(source, shape, epoch, path);

        Assert.Equal(2500, result.RowCount);
        Assert.Equal(journal.HighestIssued(), result.CommitSeq);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x28, 0xB5, 0x2F, 0xFD], bytes[..4]); // a zstd frame
        using var decompressed = new DecompressionStream(new MemoryStream(bytes));
        using var text = new StreamReader(decompressed, Encoding.UTF8);
        var lines = text.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2501, lines.Length);
        var header = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("big", header.GetProperty("snapshot_of").GetString());
        Assert.Equal(epoch, header.GetProperty("journal_epoch").GetString());
        Assert.Equal(result.CommitSeq, header.GetProperty("commit_seq").GetInt64());
        Assert.Equal(shape.Hash, header.GetProperty("schema_hash").GetString());
        Assert.Equal(2500, header.GetProperty("row_count").GetInt64());

        var expected = _db.Rows("big", "site", "id");
        var mirror = lines.Skip(1).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        foreach (var line in mirror)
        {
            var pk = line.GetProperty("pk");
            Assert.Equal(["site", "id"], pk.EnumerateObject().Select(p => p.Name));
            Assert.Equal(pk.GetProperty("id").GetInt64(), line.GetProperty("row").GetProperty("id").GetInt64());
        }
        Assert.Null(Cloud.Difference(mirror.Select(l => l.GetProperty("row")).ToList(), expected, ["site", "id"]));
    }

    [Fact]
    public void The_telemetry_cursor_batch_seq_batch_in_flight_and_upload_step_survive_reopening_state_db()
    {
        var path = Path.Combine(_db.Directory, "state.db");
        long seed;
        using (var state = StateStore.Open(path, NullLogger.Instance))
        {
            state.RotateEpoch("journal-1", Guid.CreateVersion7().ToString());
            seed = state.Telemetry("readings").LastBatchSeq;
            state.BeginTelemetryBatch("readings", "b1", seed + 1, 100);
            state.CompleteTelemetryBatch("readings", "b1", seed + 1, 100, "hash-1", 2);
            state.BeginTelemetryBatch("readings", "b2", seed + 2, 180);
            Assert.False(state.Has("big"));
            state.StartUpload(new UploadState("big", UploadState.BootstrapSnapshot, UploadStep.Observe, "/tmp/x.zst", state.CurrentEpoch!, 42, "hash-big", true, 20000, null));
            state.SetUploadStep("big", UploadStep.Request);
            state.UploadRequested("big");
            Assert.True(state.GrantUpload("big", "u1", "http://node/core/api/v1/uploads/t", DateTimeOffset.UtcNow.AddMinutes(15)));
        }
        using (var state = StateStore.Open(path, NullLogger.Instance))
        {
            var telemetry = state.Telemetry("readings");
            Assert.Equal((100L, seed + 1, "hash-1", 2L), (telemetry.CursorRowid, telemetry.LastBatchSeq, telemetry.SchemaSentHash, telemetry.SkippedRows));
            Assert.Equal(("b2", seed + 2, 180L), (telemetry.InflightBatchId, telemetry.InflightBatchSeq, telemetry.InflightLastRowid));
            Assert.True(state.IsTelemetry("readings"));
            var upload = state.Upload("big")!;
            Assert.Equal((UploadStep.Put, "u1", 42L), (upload.Step, upload.UploadId, upload.CommitSeq));
            Assert.Equal(42, state.Get("big").LastPublishedCommitSeq); // the snapshot holds the journal up to its position
            state.UploadStored("big", "u1", "finalize-batch");
        }
        using (var state = StateStore.Open(path, NullLogger.Instance))
        {
            var upload = state.Upload("big")!;
            Assert.Equal((UploadStep.Finalize, "finalize-batch"), (upload.Step, upload.BatchId));
            state.UploadStored("big", "u1", "another");
            Assert.Equal("finalize-batch", state.Upload("big")!.BatchId); // a finalize is always resent with the same batch id
            state.CompleteUpload(state.Upload("big")!);
            Assert.Null(state.Upload("big"));
        }
    }

    [Fact]
    public void A_row_too_large_for_any_batch_is_written_as_a_payload_spill_the_batch_envelope_without_rows_then_the_row_with_the_same_batch_id()
    {
        _db.Execute("CREATE TABLE documents (id INTEGER PRIMARY KEY, body TEXT)");
        Enroll(new Dictionary<string, TableStrategy> { ["documents"] = TableStrategy.Rows });
        _db.Execute("INSERT INTO documents VALUES (2, $b)", ("$b", new string('x', 700 * 1024)));
        using var source = SourceDatabase.OpenExisting(_db.Path);
        var journal = new JournalStore(source);
        var rows = journal.Read("documents", 0, 10);
        var big = rows[^1];
        var epoch = Guid.CreateVersion7().ToString();
        var batch = EdgeSync.Agent.Publish.RowBatchBuilder.Build("documents", epoch, [big], journal.FingerprintOf, null)!;
        Assert.True(batch.Payload.Length > WireLimits.MaxPayloadBytes);
        var path = Path.Combine(_db.Directory, "spill.jsonl.zst");

        SpillWriter.Write(path, batch.BatchId, epoch, "documents", batch.SchemaHash, journal.FingerprintOf(batch.SchemaHash), [big]);

        using var decompressed = new DecompressionStream(File.OpenRead(path));
        using var text = new StreamReader(decompressed, Encoding.UTF8);
        var lines = text.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var envelope = JsonDocument.Parse(lines[0]).RootElement;
        Assert.False(envelope.TryGetProperty("rows", out _));
        Assert.Equal(batch.BatchId, envelope.GetProperty("batch_id").GetString());
        Assert.Equal(WireLimits.RowBatchCaptureStrategy, envelope.GetProperty("capture_strategy").GetString());
        Assert.Equal(big.CommitSeq, envelope.GetProperty("first_commit_seq").GetInt64());
        Assert.Equal(big.CommitSeq, envelope.GetProperty("last_commit_seq").GetInt64());
        Assert.True(envelope.TryGetProperty("schema_columns", out _));
        Assert.Equal(EdgeSync.Agent.Publish.RowBatchBuilder.EncodeRow(big), Encoding.UTF8.GetBytes(lines[1]));
    }

    [Fact]
    public void A_url_grant_is_read_from_the_control_and_one_without_a_usable_url_or_expiry_is_refused()
    {
        const string Grant = """
            {"format_version":1,"control_id":"0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20","control_kind":"url_grant","source_table":"big",
             "upload_id":"0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a21","presigned_url":"http://127.0.0.1:5000/core/api/v1/uploads/tok",
             "presigned_url_expires_at":"2026-12-07T05:15:00.000Z"}
            """;
        var grant = UrlGrant.TryRead(Grant)!;
        Assert.Equal(("big", "0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a21", "http://127.0.0.1:5000/core/api/v1/uploads/tok"), (grant.SourceTable, grant.UploadId, grant.PresignedUrl));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 5, 15, 0, TimeSpan.Zero), grant.ExpiresAt);
        Assert.Null(UrlGrant.TryRead(Grant.Replace("http://", "file://")));
        Assert.Null(UrlGrant.TryRead(Grant.Replace("2026-12-07T05:15:00.000Z", "soon")));
        Assert.Null(UrlGrant.TryRead(Grant.Replace("\"upload_id\"", "\"other\"")));
        Assert.Null(UrlGrant.TryRead("not json"));
    }
}
