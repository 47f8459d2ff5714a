using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Agent.State;

/// <summary>
/// state.db: the agent's own SQLite file. Per table: epoch, last published commit_seq, cached
/// schema hash, pause state and server watermark, the batch in flight; the controls not yet
/// acknowledged; the journal identity it last saw. A corrupt file is moved aside
/// (<c>state.db.corrupt-&lt;timestamp&gt;</c>) and a fresh one started: the agent then publishes
/// in a new epoch, and the cloud drops what it already had.
/// Thread-safe: the publisher and the control processor share it.
/// </summary>
public sealed class StateStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    private StateStore(SqliteConnection connection) => _connection = connection;

    public static StateStore Open(string path, ILogger logger)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        try
        {
            return OpenChecked(path);
        }
        catch (Exception e) when (e is SqliteException or CorruptStateException)
        {
            var aside = $"{path}.corrupt-{DateTime.UtcNow.ToString("yyyyMMddTHHmmssZ", CultureInfo.InvariantCulture)}";
            SqliteConnection.ClearAllPools();
            File.Move(path, aside);
            foreach (var suffix in new[] { "-wal", "-shm", "-journal" })
                if (File.Exists(path + suffix))
                    File.Move(path + suffix, aside + suffix);
            logger.LogError("The state database {Path} is corrupt ({Error}); moved it to {Aside} and started a fresh one. " +
                            "Tables are published again in a new journal epoch; the cloud ignores what it already has.", path, e.Message, aside);
            return OpenChecked(path);
        }
    }

    private static StateStore OpenChecked(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString());
        try
        {
            connection.Open();
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA quick_check";
                var result = check.ExecuteScalar() as string;
                if (result != "ok")
                    throw new CorruptStateException(result ?? "quick_check returned nothing");
            }
            var store = new StateStore(connection);
            store.Execute("PRAGMA journal_mode = WAL");
            store.Execute("""
                CREATE TABLE IF NOT EXISTS agent_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS table_state (
                  table_name TEXT PRIMARY KEY,
                  journal_epoch TEXT NOT NULL,
                  last_published_commit_seq INTEGER NOT NULL DEFAULT 0,
                  schema_hash TEXT,
                  schema_sent_hash TEXT,
                  observe_pending INTEGER NOT NULL DEFAULT 0,
                  paused INTEGER NOT NULL DEFAULT 0,
                  server_watermark INTEGER,
                  pause_epoch TEXT,
                  last_control_id TEXT,
                  inflight_batch_id TEXT,
                  inflight_first INTEGER,
                  inflight_last INTEGER);
                CREATE TABLE IF NOT EXISTS telemetry_state (
                  table_name TEXT PRIMARY KEY,
                  cursor_rowid INTEGER NOT NULL DEFAULT 0,
                  last_batch_seq INTEGER NOT NULL DEFAULT 0,
                  schema_sent_hash TEXT,
                  skipped_rows INTEGER NOT NULL DEFAULT 0,
                  inflight_batch_id TEXT,
                  inflight_batch_seq INTEGER,
                  inflight_last_rowid INTEGER);
                CREATE TABLE IF NOT EXISTS uploads (
                  table_name TEXT PRIMARY KEY,
                  segment_kind TEXT NOT NULL,
                  step TEXT NOT NULL,
                  file TEXT NOT NULL,
                  journal_epoch TEXT NOT NULL,
                  commit_seq INTEGER NOT NULL,
                  schema_hash TEXT NOT NULL,
                  schema_columns_sent INTEGER NOT NULL DEFAULT 0,
                  row_count INTEGER NOT NULL,
                  batch_id TEXT,
                  upload_id TEXT,
                  presigned_url TEXT,
                  presigned_url_expires_at TEXT,
                  requested_at TEXT,
                  created_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS pending_controls (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  control_id TEXT NOT NULL,
                  payload TEXT NOT NULL,
                  received_at TEXT NOT NULL);
                """);
            return store;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // ---- journal identity and epoch

    /// <summary>The journal id (sentinel) the current epoch belongs to; null for a fresh state.</summary>
    public string? JournalId => Meta("journal_id");

    /// <summary>The current journal epoch; null for a fresh state.</summary>
    public string? CurrentEpoch => Meta("journal_epoch");

    /// <summary>Starts a new epoch for <paramref name="journalId"/>: every table starts again from the journal's beginning.</summary>
    public void RotateEpoch(string journalId, string epoch)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            SetMeta("journal_id", journalId, transaction);
            SetMeta("journal_epoch", epoch, transaction);
            Execute("""
                UPDATE table_state SET journal_epoch = $e, last_published_commit_seq = 0, schema_sent_hash = NULL,
                  inflight_batch_id = NULL, inflight_first = NULL, inflight_last = NULL
                """, transaction, ("$e", epoch));
            // Uploads belong to the old epoch (its positions mean nothing in the new one): their files are removed at the next start.
            Execute("DELETE FROM uploads", transaction);
            transaction.Commit();
        }
    }

    // ---- tables

    /// <summary>The table's state; created (current epoch, nothing published) when new.</summary>
    public TableState Get(string table)
    {
        lock (_lock)
        {
            Execute("INSERT OR IGNORE INTO table_state (table_name, journal_epoch) VALUES ($t, $e)", null,
                ("$t", table), ("$e", CurrentEpoch ?? throw new InvalidOperationException("no journal epoch yet")));
            return Query("SELECT * FROM table_state WHERE table_name = $t", ("$t", table)).Single();
        }
    }

    /// <summary>True when the agent has state for the table (it was enrolled, or a control named it).</summary>
    public bool Has(string table)
    {
        lock (_lock)
        {
            using var command = Command("SELECT count(*) FROM table_state WHERE table_name = $t", null, ("$t", table));
            return (long)command.ExecuteScalar()! > 0;
        }
    }

    public IReadOnlyList<TableState> All()
    {
        lock (_lock)
            return Query("SELECT * FROM table_state ORDER BY table_name");
    }

    /// <summary>Records the table's current fingerprint; <paramref name="observe"/> queues a <c>sync/schema/observe</c>.</summary>
    public void SetSchema(string table, string hash, bool observe)
    {
        Get(table);
        lock (_lock)
            Execute("UPDATE table_state SET schema_hash = $h, observe_pending = CASE WHEN $o THEN 1 ELSE observe_pending END WHERE table_name = $t", null,
                ("$t", table), ("$h", hash), ("$o", observe));
    }

    public void ObservePublished(string table, string hash)
    {
        lock (_lock)
            Execute("UPDATE table_state SET observe_pending = 0 WHERE table_name = $t AND schema_hash = $h", null, ("$t", table), ("$h", hash));
    }

    /// <summary>Remembers the batch about to be published, so that a retry reuses its id and rows.</summary>
    public void BeginBatch(string table, string batchId, long first, long last)
    {
        lock (_lock)
            Execute("UPDATE table_state SET inflight_batch_id = $b, inflight_first = $f, inflight_last = $l WHERE table_name = $t", null,
                ("$t", table), ("$b", batchId), ("$f", first), ("$l", last));
    }

    /// <summary>
    /// The broker acknowledged the batch: advance <c>last_published_commit_seq</c>. A no-op when the
    /// batch is no longer the one in flight (a resume or an epoch rotation came in between).
    /// </summary>
    /// <param name="schemaSentHash">The schema whose columns the cloud now knows (null: unchanged).</param>
    public bool CompleteBatch(string table, string batchId, long last, string? schemaSentHash)
    {
        lock (_lock)
            return Execute("""
                UPDATE table_state SET last_published_commit_seq = max(last_published_commit_seq, $l),
                  schema_sent_hash = coalesce($h, schema_sent_hash),
                  inflight_batch_id = NULL, inflight_first = NULL, inflight_last = NULL
                WHERE table_name = $t AND inflight_batch_id = $b
                """, null, ("$t", table), ("$b", batchId), ("$l", last), ("$h", schemaSentHash)) == 1;
    }

    /// <summary><c>pause_lineage</c>: stop publishing the table.</summary>
    public void Pause(string table, long? serverWatermark, string controlId)
    {
        Get(table);
        lock (_lock)
            Execute("""
                UPDATE table_state SET paused = 1, server_watermark = $w, pause_epoch = journal_epoch, last_control_id = $c
                WHERE table_name = $t
                """, null, ("$t", table), ("$w", serverWatermark), ("$c", controlId));
    }

    /// <summary>
    /// <c>resume_lineage</c>: publish again from <paramref name="serverWatermark"/> + 1. When the
    /// journal epoch changed since the pause, the watermark belongs to the old epoch and is not
    /// applied (the new epoch starts from its own beginning).
    /// </summary>
    /// <returns>True when the watermark was applied.</returns>
    public bool Resume(string table, long? serverWatermark, string controlId)
    {
        lock (_lock)
        {
            var state = Get(table);
            // A telemetry table's position is its rowid cursor, which no server watermark names.
            var applied = serverWatermark is not null && (state.PauseEpoch is null || state.PauseEpoch == state.JournalEpoch) && !IsTelemetry(table);
            Execute("""
                UPDATE table_state SET paused = 0, server_watermark = $w, last_control_id = $c, pause_epoch = NULL,
                  last_published_commit_seq = CASE WHEN $apply THEN $w ELSE last_published_commit_seq END,
                  inflight_batch_id = NULL, inflight_first = NULL, inflight_last = NULL
                WHERE table_name = $t
                """, null, ("$t", table), ("$w", serverWatermark), ("$c", controlId), ("$apply", applied));
            return applied;
        }
    }

    // ---- telemetry tables

    /// <summary>
    /// The telemetry table's cursor and sequence; created when new with cursor 0 and the sequence
    /// seeded from the clock (Unix milliseconds), not from 0. A state.db that is lost and created
    /// again then continues above every <c>batch_seq</c> the cloud accepted before (a table sends far
    /// fewer than one batch per millisecond), instead of being refused <c>duplicate_batch_seq</c> and
    /// <c>stale_batch_seq</c> until its count caught up; the rows it sends again from rowid 0 are
    /// recognised by their <c>row_id</c> in the cloud.
    /// </summary>
    public TelemetryState Telemetry(string table)
    {
        lock (_lock)
        {
            Execute("INSERT OR IGNORE INTO telemetry_state (table_name, last_batch_seq) VALUES ($t, $s)", null, ("$t", table),
                ("$s", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            using var command = Command("""
                SELECT cursor_rowid, last_batch_seq, schema_sent_hash, skipped_rows, inflight_batch_id, inflight_batch_seq, inflight_last_rowid
                FROM telemetry_state WHERE table_name = $t
                """, null, ("$t", table));
            using var reader = command.ExecuteReader();
            reader.Read();
            return new TelemetryState(table, reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6));
        }
    }

    /// <summary>True when the table is (or was) captured as telemetry: its pause/resume watermarks are not journal positions.</summary>
    public bool IsTelemetry(string table)
    {
        lock (_lock)
        {
            using var command = Command("SELECT count(*) FROM telemetry_state WHERE table_name = $t", null, ("$t", table));
            return (long)command.ExecuteScalar()! > 0;
        }
    }

    /// <summary>Records the next telemetry batch before it is published: a retry (or a restart) sends the same id, seq and rows.</summary>
    public void BeginTelemetryBatch(string table, string batchId, long batchSeq, long lastRowid)
    {
        lock (_lock)
            Execute("""
                UPDATE telemetry_state SET inflight_batch_id = $b, inflight_batch_seq = $s, inflight_last_rowid = $l WHERE table_name = $t
                """, null, ("$t", table), ("$b", batchId), ("$s", batchSeq), ("$l", lastRowid));
    }

    /// <summary>
    /// The batch was acknowledged (or refused for good): the cursor moves past its rows, the
    /// sequence to its <c>batch_seq</c>. <paramref name="skipped"/> rows whose timestamp cannot be
    /// read were passed over on the way.
    /// </summary>
    public void CompleteTelemetryBatch(string table, string batchId, long batchSeq, long lastRowid, string? schemaSentHash, long skipped)
    {
        lock (_lock)
            Execute("""
                UPDATE telemetry_state SET cursor_rowid = max(cursor_rowid, $l), last_batch_seq = max(last_batch_seq, $s),
                  schema_sent_hash = coalesce($h, schema_sent_hash), skipped_rows = skipped_rows + $k,
                  inflight_batch_id = NULL, inflight_batch_seq = NULL, inflight_last_rowid = NULL
                WHERE table_name = $t AND inflight_batch_id = $b
                """, null, ("$t", table), ("$b", batchId), ("$s", batchSeq), ("$l", lastRowid), ("$h", schemaSentHash), ("$k", skipped));
    }

    /// <summary>Moves the cursor past rows that can never be sent (no batch was built from them).</summary>
    public void SkipTelemetryRows(string table, long lastRowid, long skipped)
    {
        lock (_lock)
            Execute("UPDATE telemetry_state SET cursor_rowid = max(cursor_rowid, $l), skipped_rows = skipped_rows + $k WHERE table_name = $t", null,
                ("$t", table), ("$l", lastRowid), ("$k", skipped));
    }

    // ---- uploads (bootstrap snapshots and payload spills)

    /// <summary>The table's upload in progress, or null.</summary>
    public UploadState? Upload(string table)
    {
        lock (_lock)
        {
            using var command = Command("SELECT * FROM uploads WHERE table_name = $t", null, ("$t", table));
            using var reader = command.ExecuteReader();
            if (!reader.Read())
                return null;
            string? Text(string name) => reader.IsDBNull(reader.GetOrdinal(name)) ? null : reader.GetString(reader.GetOrdinal(name));
            long Number(string name) => reader.GetInt64(reader.GetOrdinal(name));
            return new UploadState(table, Text("segment_kind")!, Enum.Parse<UploadStep>(Text("step")!), Text("file")!, Text("journal_epoch")!, Number("commit_seq"),
                Text("schema_hash")!, Number("schema_columns_sent") == 1, Number("row_count"), Text("batch_id"), Text("upload_id"), Text("presigned_url"),
                Text("presigned_url_expires_at") is { } expires ? DateTimeOffset.Parse(expires, CultureInfo.InvariantCulture) : null,
                Text("requested_at") is { } requested ? DateTimeOffset.Parse(requested, CultureInfo.InvariantCulture) : null);
        }
    }

    /// <summary>Tables with an upload in progress.</summary>
    public IReadOnlyList<string> UploadTables()
    {
        lock (_lock)
        {
            using var command = Command("SELECT table_name FROM uploads ORDER BY table_name");
            using var reader = command.ExecuteReader();
            var tables = new List<string>();
            while (reader.Read())
                tables.Add(reader.GetString(0));
            return tables;
        }
    }

    /// <summary>
    /// Starts an upload whose object is already written to <paramref name="file"/>. For a
    /// bootstrap, the table's journal rows up to <paramref name="commitSeq"/> are in the snapshot:
    /// <c>last_published_commit_seq</c> jumps there in the same transaction.
    /// </summary>
    public void StartUpload(UploadState upload)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            // The table's state and its upload appear together: a table with state and no upload is never taken for new again.
            Execute("INSERT OR IGNORE INTO table_state (table_name, journal_epoch) VALUES ($t, $e)", transaction, ("$t", upload.Table), ("$e", upload.JournalEpoch));
            Execute("""
                INSERT INTO uploads (table_name, segment_kind, step, file, journal_epoch, commit_seq, schema_hash, schema_columns_sent, row_count, batch_id, created_at)
                VALUES ($t, $k, $s, $f, $e, $c, $h, $sc, $n, $b, $at)
                """, transaction, ("$t", upload.Table), ("$k", upload.SegmentKind), ("$s", upload.Step.ToString()), ("$f", upload.File), ("$e", upload.JournalEpoch),
                ("$c", upload.CommitSeq), ("$h", upload.SchemaHash), ("$sc", upload.SchemaColumnsSent), ("$n", upload.RowCount), ("$b", upload.BatchId),
                ("$at", DateTimeOffset.UtcNow.ToString("O")));
            if (upload.SegmentKind == UploadState.BootstrapSnapshot)
                Execute("UPDATE table_state SET last_published_commit_seq = max(last_published_commit_seq, $c) WHERE table_name = $t", transaction,
                    ("$t", upload.Table), ("$c", upload.CommitSeq));
            transaction.Commit();
        }
    }

    /// <summary>Moves the upload to <paramref name="step"/>; <see cref="UploadStep.Request"/> forgets the grant.</summary>
    public void SetUploadStep(string table, UploadStep step)
    {
        lock (_lock)
            Execute("""
                UPDATE uploads SET step = $s,
                  upload_id = CASE WHEN $s = 'Request' THEN NULL ELSE upload_id END,
                  presigned_url = CASE WHEN $s = 'Request' THEN NULL ELSE presigned_url END,
                  presigned_url_expires_at = CASE WHEN $s = 'Request' THEN NULL ELSE presigned_url_expires_at END
                WHERE table_name = $t
                """, null, ("$t", table), ("$s", step.ToString()));
    }

    /// <summary>The url_request was published.</summary>
    public void UploadRequested(string table)
    {
        lock (_lock)
            Execute("UPDATE uploads SET step = 'AwaitGrant', requested_at = $at WHERE table_name = $t AND step IN ('Request', 'AwaitGrant')", null,
                ("$t", table), ("$at", DateTimeOffset.UtcNow.ToString("O")));
    }

    /// <summary>A url_grant for the table: kept when an upload of the table waits for one (else false).</summary>
    public bool GrantUpload(string table, string uploadId, string url, DateTimeOffset expiresAt)
    {
        lock (_lock)
            return Execute("""
                UPDATE uploads SET step = 'Put', upload_id = $u, presigned_url = $url, presigned_url_expires_at = $x
                WHERE table_name = $t AND step IN ('Request', 'AwaitGrant')
                """, null, ("$t", table), ("$u", uploadId), ("$url", url), ("$x", expiresAt.ToString("O"))) == 1;
    }

    /// <summary>The object is stored: the finalize (with this batch id, kept for every resend) is next.</summary>
    public void UploadStored(string table, string uploadId, string batchId)
    {
        lock (_lock)
            Execute("UPDATE uploads SET step = 'Finalize', batch_id = coalesce(batch_id, $b) WHERE table_name = $t AND upload_id = $u AND step = 'Put'", null,
                ("$t", table), ("$u", uploadId), ("$b", batchId));
    }

    /// <summary>
    /// The finalize was acknowledged: the upload is done. A spill moves the table's
    /// <c>last_published_commit_seq</c> past its row (like an acknowledged batch).
    /// </summary>
    public void CompleteUpload(UploadState upload)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            Execute("DELETE FROM uploads WHERE table_name = $t", transaction, ("$t", upload.Table));
            if (upload.SegmentKind == UploadState.PayloadSpill)
                Execute("""
                    UPDATE table_state SET last_published_commit_seq = max(last_published_commit_seq, $c),
                      schema_sent_hash = CASE WHEN $sc THEN $h ELSE schema_sent_hash END,
                      inflight_batch_id = NULL, inflight_first = NULL, inflight_last = NULL
                    WHERE table_name = $t AND journal_epoch = $e
                    """, transaction, ("$t", upload.Table), ("$c", upload.CommitSeq), ("$sc", upload.SchemaColumnsSent), ("$h", upload.SchemaHash),
                    ("$e", upload.JournalEpoch));
            transaction.Commit();
        }
    }

    /// <summary>Forgets an upload (its journal epoch is gone).</summary>
    public void DropUpload(string table)
    {
        lock (_lock)
            Execute("DELETE FROM uploads WHERE table_name = $t", null, ("$t", table));
    }

    // ---- controls

    /// <summary>Stores a received control until it is acknowledged.</summary>
    public void AddPendingControl(string controlId, string payload)
    {
        lock (_lock)
            Execute("INSERT INTO pending_controls (control_id, payload, received_at) VALUES ($c, $p, $at)", null,
                ("$c", controlId), ("$p", payload), ("$at", DateTimeOffset.UtcNow.ToString("O")));
    }

    public IReadOnlyList<PendingControl> PendingControls()
    {
        lock (_lock)
        {
            using var command = Command("SELECT seq, control_id, payload FROM pending_controls ORDER BY seq");
            using var reader = command.ExecuteReader();
            var controls = new List<PendingControl>();
            while (reader.Read())
                controls.Add(new PendingControl(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            return controls;
        }
    }

    public void RemovePendingControl(long seq)
    {
        lock (_lock)
            Execute("DELETE FROM pending_controls WHERE seq = $s", null, ("$s", seq));
    }

    // ---- plumbing

    private string? Meta(string key)
    {
        lock (_lock)
        {
            using var command = Command("SELECT value FROM agent_meta WHERE key = $k", null, ("$k", key));
            return command.ExecuteScalar() as string;
        }
    }

    private void SetMeta(string key, string value, SqliteTransaction? transaction) =>
        Execute("INSERT INTO agent_meta (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", transaction, ("$k", key), ("$v", value));

    private List<TableState> Query(string sql, params (string, object?)[] parameters)
    {
        using var command = Command(sql, null, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<TableState>();
        while (reader.Read())
        {
            string? Text(string name) => reader.IsDBNull(reader.GetOrdinal(name)) ? null : reader.GetString(reader.GetOrdinal(name));
            long? Number(string name) => reader.IsDBNull(reader.GetOrdinal(name)) ? null : reader.GetInt64(reader.GetOrdinal(name));
            rows.Add(new TableState(Text("table_name")!, Text("journal_epoch")!, Number("last_published_commit_seq") ?? 0, Text("schema_hash"),
                Text("schema_sent_hash"), Number("observe_pending") == 1, Number("paused") == 1, Number("server_watermark"), Text("pause_epoch"),
                Text("last_control_id"), Text("inflight_batch_id"), Number("inflight_first"), Number("inflight_last")));
        }
        return rows;
    }

    private int Execute(string sql, SqliteTransaction? transaction = null, params (string, object?)[] parameters)
    {
        using var command = Command(sql, transaction, parameters);
        return command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public void Dispose()
    {
        lock (_lock)
            _connection.Dispose();
    }

    private sealed class CorruptStateException(string detail) : Exception($"integrity check failed: {detail}");
}
