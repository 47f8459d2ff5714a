using Microsoft.Data.Sqlite;

namespace EdgeSync.Agent.Capture;

/// <summary>
/// <c>__edgesync_journal</c> in the source database: the triggers append to it, the agent reads
/// and prunes it. Its identity is a sentinel row (<c>table_name = '__edgesync_journal'</c>,
/// <c>op = 'journal'</c>, <c>pk</c> = a UUIDv7) that pruning never removes: when the journal is
/// dropped, emptied by hand, or the database file is replaced, the sentinel is gone or different,
/// and the agent rotates its journal epoch. <c>__edgesync_schema</c> keeps every fingerprint a
/// trigger was installed for, so that the columns of any journaled schema hash can be sent.
/// </summary>
public sealed class JournalStore(SourceDatabase database)
{
    public const string Table = CaptureTriggers.Journal;
    public const string SchemaTable = "__edgesync_schema";
    private const string SentinelOp = "journal";

    /// <summary>The sentinel's journal id, or null when the journal or its sentinel is missing.</summary>
    public string? ReadIdentity()
    {
        if (!Exists())
            return null;
        return database.Scalar<string?>($"SELECT pk FROM {Table} WHERE table_name = '{Table}' AND op = '{SentinelOp}' ORDER BY commit_seq LIMIT 1");
    }

    public bool Exists() =>
        database.Scalar<long>($"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{Table}'") > 0;

    /// <summary>
    /// Creates the journal tables if missing and a new sentinel (removing an older one), in the
    /// given transaction. Returns the new journal id.
    /// </summary>
    public string CreateIdentity(SqliteTransaction transaction)
    {
        database.Execute($"""
            CREATE TABLE IF NOT EXISTS {Table} (
              commit_seq INTEGER PRIMARY KEY AUTOINCREMENT,
              table_name TEXT,
              op TEXT,
              pk TEXT,
              row TEXT,
              schema_hash TEXT)
            """, transaction);
        database.Execute($"CREATE INDEX IF NOT EXISTS __edgesync_journal_by_table ON {Table} (table_name, commit_seq)", transaction);
        database.Execute($"""
            CREATE TABLE IF NOT EXISTS {SchemaTable} (
              schema_hash TEXT PRIMARY KEY,
              table_name TEXT NOT NULL,
              fingerprint TEXT NOT NULL,
              installed_at TEXT NOT NULL)
            """, transaction);
        database.Execute($"DELETE FROM {Table} WHERE table_name = '{Table}' AND op = '{SentinelOp}'", transaction);
        var id = Guid.CreateVersion7().ToString();
        database.Execute($"INSERT INTO {Table} (table_name, op, pk) VALUES ('{Table}', '{SentinelOp}', $id)", transaction, ("$id", id));
        return id;
    }

    /// <summary>The highest commit_seq the journal ever issued (AUTOINCREMENT's counter); 0 when none.</summary>
    public long HighestIssued() =>
        database.Scalar<long?>($"SELECT seq FROM sqlite_sequence WHERE name = '{Table}'") ?? 0;

    /// <summary>Records the fingerprint a trigger set was installed for.</summary>
    public void RememberSchema(TableShape shape, SqliteTransaction transaction) =>
        database.Execute($"INSERT OR IGNORE INTO {SchemaTable} (schema_hash, table_name, fingerprint, installed_at) VALUES ($h, $t, $f, $at)", transaction,
            ("$h", shape.Hash), ("$t", shape.Name), ("$f", shape.Fingerprint.ToCanonicalJson()), ("$at", DateTimeOffset.UtcNow.ToString("O")));

    /// <summary>The canonical fingerprint JSON of a schema hash, or null when unknown.</summary>
    public string? FingerprintOf(string hash) =>
        database.Scalar<string?>($"SELECT fingerprint FROM {SchemaTable} WHERE schema_hash = $h", null, ("$h", hash));

    /// <summary>The journal rows of <paramref name="table"/> after <paramref name="afterSeq"/> (up to <paramref name="upToSeq"/>), oldest first.</summary>
    public IReadOnlyList<JournalRow> Read(string table, long afterSeq, int limit, long upToSeq = long.MaxValue)
    {
        using var command = database.Command(
            $"SELECT commit_seq, op, pk, row, schema_hash FROM {Table} WHERE table_name = $t AND commit_seq > $after AND commit_seq <= $upTo ORDER BY commit_seq LIMIT $limit",
            null, ("$t", table), ("$after", afterSeq), ("$upTo", upToSeq), ("$limit", limit));
        using var reader = command.ExecuteReader();
        var rows = new List<JournalRow>();
        while (reader.Read())
            rows.Add(new JournalRow(reader.GetInt64(0), reader.IsDBNull(1) ? "" : reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? "" : reader.GetString(4)));
        return rows;
    }

    /// <summary>Rows journaled after <paramref name="afterSeq"/> (all tables) and their size in bytes, for the early-flush check.</summary>
    public (long Rows, long Bytes) PendingAfter(long afterSeq)
    {
        using var command = database.Command(
            $"SELECT count(*), coalesce(sum(length(pk) + coalesce(length(row), 0)), 0), coalesce(max(commit_seq), 0) FROM {Table} WHERE commit_seq > $after AND table_name <> '{Table}'",
            null, ("$after", afterSeq));
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The newest commit_seq in the journal (0 when empty).</summary>
    public long NewestSeq() => database.Scalar<long?>($"SELECT max(commit_seq) FROM {Table}") ?? 0;

    /// <summary>Deletes the rows of <paramref name="table"/> up to <paramref name="throughSeq"/> (published and acknowledged).</summary>
    public int Prune(string table, long throughSeq) =>
        database.Execute($"DELETE FROM {Table} WHERE table_name = $t AND commit_seq <= $seq", null, ("$t", table), ("$seq", throughSeq));

    /// <summary>Deletes the rows of tables that are no longer captured (never the sentinel).</summary>
    public int PruneOthers(IReadOnlyCollection<string> capturedTables)
    {
        var parameters = capturedTables.Select((t, i) => ($"$t{i}", (object?)t)).ToArray();
        var list = parameters.Length == 0 ? "" : " AND table_name NOT IN (" + string.Join(", ", parameters.Select(p => p.Item1)) + ")";
        return database.Execute($"DELETE FROM {Table} WHERE table_name <> '{Table}'{list}", null, parameters);
    }
}
