using EdgeSync.Storage;
using Npgsql;
using NpgsqlTypes;

namespace EdgeSync.Mirrors;

/// <summary>
/// Materializes row changes into a mirror table, set-based, inside the caller's transaction
/// (docs/lineage.md, "Materialization"):
/// <list type="number">
/// <item>the changes are converted and collapsed to the newest change per primary key (see <see cref="CollapsedChanges"/>);</item>
/// <item>one statement inserts the rows whose key sorts after the table's greatest key and upserts
/// the others (<c>INSERT … ON CONFLICT (key) DO UPDATE … WHERE (mirror epoch, seq) &lt; (new epoch, seq)</c>),
/// and one <c>DELETE … USING unnest(key arrays) … WHERE (mirror epoch, seq) &lt; (delete epoch, seq)</c>
/// follows it in the same round trip.</item>
/// </list>
/// uuid comparison orders UUIDv7 epochs by time, so a row version is written only when it is
/// newer than the mirror's. One round trip, whatever the batch size.
/// <para>
/// Deletes leave a tombstone (see <see cref="MirrorTombstones"/>), and a row version is written
/// only when it is also newer than its key's tombstone: the mirror ends the same whatever order
/// the changes arrive in, and however often each arrives.
/// </para>
/// <para>
/// A coalesced table holds the rows of many devices; its key starts with <c>_edge_device_id</c>.
/// Every part of the statements is then limited to the writing device: the greatest key is that
/// device's (an index scan on the key's leading column), conflicts are on (device, key), and
/// tombstones are the device's. Each device's slice behaves as a per-device table would.
/// </para>
/// </summary>
public sealed class MirrorWriter(EdgeStoreSettings settings, MirrorTombstones tombstones, MirrorColumnTypes columnTypes)
{
    public string Schema { get; } = settings.MirrorSchema;

    /// <summary>
    /// Applies <paramref name="changes"/> (in (journal_epoch, commit_seq) order) to
    /// <paramref name="table"/>; <c>_edge_device_id</c> is set to <paramref name="deviceId"/>.
    /// </summary>
    /// <exception cref="MirrorWriteException">
    /// Permanent for a malformed change or a value that cannot be converted for its column's
    /// actual type (thrown before the writes run, so the transaction is usable) and for permanent database errors; transient for connection
    /// failures, timeouts, deadlocks, serialization failures and the like. After a database error
    /// the transaction is aborted and the caller rolls it back.</exception>
    public async Task ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, MirrorTable table, Guid deviceId,
        IReadOnlyList<MirrorRowChange> changes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
            return;
        var qualified = PgIdentifier.Qualified(Schema, table.Name);
        var tombs = tombstones.Qualified(table.Name);
        try
        {
            // Values are checked against the columns as the database has them now (an operator may have altered a type).
            var resolved = await columnTypes.ResolveAsync(connection, transaction, table, ct);
            var collapsed = CollapsedChanges.From(resolved.Table, changes);
            await tombstones.EnsureAsync(connection, transaction, table, ct);
            await using var batch = new NpgsqlBatch(connection, transaction);
            if (collapsed.Upserts.Count > 0)
                batch.BatchCommands.Add(UpsertCommand(qualified, tombs, resolved, deviceId, collapsed));
            if (collapsed.Deletes.Count > 0)
                batch.BatchCommands.Add(DeleteCommand(qualified, tombs, resolved, deviceId, collapsed));
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (Forget(table) && MirrorWriteException.Wrap(e, $"writing mirror table '{table.Name}'") is { } wrapped)
        {
            throw wrapped;
        }
    }

    /// <summary>After any failure the column types are read again: the retry sees a fix the operator made meanwhile.</summary>
    private bool Forget(MirrorTable table)
    {
        columnTypes.Forget(table.Name);
        return true;
    }

    /// <summary>
    /// One statement over arrays (one per column) passed as parameters, in two parts that share
    /// them: rows whose key sorts after the greatest key the table holds cannot exist yet and are
    /// inserted plainly; the rest go through <c>INSERT … ON CONFLICT DO UPDATE … WHERE</c> the
    /// row is newer. Device tables are mostly appended to with growing keys (SQLite rowids), and
    /// the plain insert costs PostgreSQL about 40% less than the upsert, which checks the index
    /// before it inserts and inserts speculatively. The greatest key is read once, by a backward
    /// scan of the primary key index, under the statement's snapshot; the lineage is the table's
    /// only writer, and should a second writer ever race it, its row makes the plain insert fail
    /// with a unique violation instead of being overwritten.
    /// <para>
    /// Arrays, not binary COPY into a temporary table: measured here (bench/, 50 connections, 8
    /// columns) the arrays wrote 2.3× the rows/s, because creating and dropping a temporary table
    /// per batch churns the catalog. <c>unnest</c> in the select list (not in FROM) streams the
    /// rows instead of collecting them in a tuplestore first.
    /// </para>
    /// <para>
    /// A row is left out when its key has a tombstone at least as new. Whether the tombstone table
    /// is empty is looked up once per statement, so a table without deletes pays nothing per row.
    /// </para>
    /// </summary>
    private static NpgsqlBatchCommand UpsertCommand(string qualified, string tombs, ResolvedMirrorTable resolved, Guid deviceId, CollapsedChanges changes)
    {
        var table = resolved.Table;
        var columns = table.Columns;
        var upserts = changes.Upserts;
        var command = new NpgsqlBatchCommand();
        command.Parameters.Add(new NpgsqlParameter("device", NpgsqlDbType.Uuid) { Value = deviceId });
        var epoch = AddJournalEpochs(command, changes, upserts);
        command.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = changes.CommitSeqs(upserts) });
        for (var i = 0; i < columns.Count; i++)
            command.Parameters.Add(new NpgsqlParameter($"v{i}", NpgsqlDbType.Array | MirrorValues.TransportType(columns[i].SqliteAffinity)) { Value = changes.Column(i, upserts) });

        var keyColumns = table.Key;
        var keyNames = keyColumns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var targets = $"{PlatformColumns.DeviceId}, {PlatformColumns.JournalEpoch}, {PlatformColumns.CommitSeq}, " +
            string.Join(", ", columns.Select(c => PgIdentifier.Quote(c.Name)));
        var sources = columns.Select((_, i) => resolved.Value(i, $"t.v{i}")).ToList();
        var rows = $"SELECT {epoch} AS epoch, unnest(@seqs) AS seq, " +
            string.Join(", ", columns.Select((_, i) => $"unnest(@v{i}) AS v{i}"));
        var select = $"SELECT @device, t.epoch, t.seq, {string.Join(", ", sources)} FROM ({rows}) AS t";
        var key = keyColumns.Select(c => PgIdentifier.Quote(c.Name)).ToList();
        var keyList = string.Join(", ", key);
        var keyOfRow = string.Join(", ", keyColumns.Select(k => sources[table.IndexOf(k)]));
        var updates = new[] { PlatformColumns.DeviceId, PlatformColumns.JournalEpoch, PlatformColumns.CommitSeq }
            .Concat(columns.Where(c => !keyNames.Contains(c.Name)).Select(c => PgIdentifier.Quote(c.Name)))
            .Select(name => $"{name} = EXCLUDED.{name}")
            .Append($"{PlatformColumns.UpdatedAt} = now()");
        var (appendGate, upsertGate) = Gates(resolved, keyColumns, keyList);
        var (ofDevice, conflictKey) = table.IsCoalesced
            ? ($" WHERE {PlatformColumns.DeviceId} = @device", $"{PlatformColumns.DeviceId}, {keyList}")
            : ("", keyList);
        var keyMatch = string.Join(" AND ", keyColumns.Select(k => $"d.{PgIdentifier.Quote(k.Name)} = {sources[table.IndexOf(k)]}"));
        if (table.IsCoalesced)
            keyMatch = $"d.{PlatformColumns.DeviceId} = @device AND {keyMatch}";
        var alive = $"(NOT EXISTS (SELECT FROM {tombs}{ofDevice}) OR NOT EXISTS (SELECT FROM {tombs} AS d WHERE {keyMatch} " +
            $"AND (d.{PlatformColumns.JournalEpoch}, d.{PlatformColumns.CommitSeq}) >= (t.epoch, t.seq)))";
        command.CommandText =
            $"""
            WITH top AS (
                SELECT {keyList} FROM {qualified}{ofDevice} ORDER BY {string.Join(", ", key.Select(k => k + " DESC"))} LIMIT 1
            ), appended AS (
                INSERT INTO {qualified} ({targets})
                {select}
                WHERE {appendGate}(NOT EXISTS (SELECT FROM top) OR ({keyOfRow}) > (SELECT {keyList} FROM top)) AND {alive}
                RETURNING 1
            ), upserted AS (
                INSERT INTO {qualified} AS m ({targets})
                {select}
                WHERE {upsertGate}({keyOfRow}) <= (SELECT {keyList} FROM top) AND {alive}
                ON CONFLICT ({conflictKey}) DO UPDATE SET
                    {string.Join(",\n        ", updates)}
                WHERE (m.{PlatformColumns.JournalEpoch}, m.{PlatformColumns.CommitSeq}) < (EXCLUDED.{PlatformColumns.JournalEpoch}, EXCLUDED.{PlatformColumns.CommitSeq})
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM appended) + (SELECT count(*) FROM upserted)
            """;
        return command;
    }

    /// <summary>
    /// With one key column, conditions on the batch's greatest and smallest key that PostgreSQL
    /// evaluates once, skipping a part of the statement whole (its arrays are not unnested) when
    /// no row can belong to it: a batch of new rows does not go through the upsert at all.
    /// </summary>
    private static (string Append, string Upsert) Gates(ResolvedMirrorTable resolved, IReadOnlyList<MirrorColumn> keyColumns, string keyList)
    {
        if (keyColumns.Count != 1)
            return ("", "");
        var i = resolved.Table.IndexOf(keyColumns[0]);
        // ORDER BY … LIMIT 1, not max()/min(): bytea has no such aggregates.
        var value = resolved.Value(i, "k");
        string Extreme(string order) => $"(SELECT {value} FROM unnest(@v{i}) AS k ORDER BY 1 {order} LIMIT 1)";
        return (
            $"(NOT EXISTS (SELECT FROM top) OR {Extreme("DESC")} > (SELECT {keyList} FROM top)) AND ",
            $"{Extreme("ASC")} <= (SELECT {keyList} FROM top) AND ");
    }

    /// <summary>
    /// Deletes the rows older than their delete, and records (or advances) each key's tombstone in
    /// the same statement. A tombstone older than the row the mirror holds is harmless: the row wins.
    /// </summary>
    private static NpgsqlBatchCommand DeleteCommand(string qualified, string tombs, ResolvedMirrorTable resolved, Guid deviceId, CollapsedChanges changes)
    {
        var table = resolved.Table;
        var key = table.Key;
        var deletes = changes.Deletes;
        var command = new NpgsqlBatchCommand();
        var columns = new List<string>();
        var matches = new List<string>();
        var values = new List<string>();
        var targets = new List<string>();
        if (table.IsCoalesced)
        {
            command.Parameters.Add(new NpgsqlParameter("device", NpgsqlDbType.Uuid) { Value = deviceId });
            matches.Add($"m.{PlatformColumns.DeviceId} = @device");
            values.Add("@device");
            targets.Add(PlatformColumns.DeviceId);
        }
        for (var k = 0; k < key.Count; k++)
        {
            var affinity = key[k].SqliteAffinity;
            command.Parameters.Add(new NpgsqlParameter($"k{k}", NpgsqlDbType.Array | MirrorValues.TransportType(affinity)) { Value = changes.KeyColumn(k, deletes) });
            columns.Add($"unnest(@k{k}) AS k{k}");
            var value = resolved.Value(table.IndexOf(key[k]), $"d.k{k}");
            matches.Add($"m.{PgIdentifier.Quote(key[k].Name)} = {value}");
            values.Add(value);
        }
        columns.Add($"{AddJournalEpochs(command, changes, deletes)} AS epoch");
        command.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = changes.CommitSeqs(deletes) });
        columns.Add("unnest(@seqs) AS seq");
        var keyList = string.Join(", ", targets.Concat(key.Select(c => PgIdentifier.Quote(c.Name))));
        const string epoch = PlatformColumns.JournalEpoch, seq = PlatformColumns.CommitSeq;
        command.CommandText =
            $"""
            WITH d AS (
                SELECT {string.Join(", ", columns)}
            ), gone AS (
                DELETE FROM {qualified} AS m
                USING d
                WHERE {string.Join(" AND ", matches)}
                  AND (m.{epoch}, m.{seq}) < (d.epoch, d.seq)
            )
            INSERT INTO {tombs} AS t ({keyList}, {epoch}, {seq})
            SELECT {string.Join(", ", values)}, d.epoch, d.seq FROM d
            ON CONFLICT ({keyList}) DO UPDATE SET
                {epoch} = EXCLUDED.{epoch}, {seq} = EXCLUDED.{seq}, {MirrorTombstones.DeletedAt} = now()
            WHERE (t.{epoch}, t.{seq}) < (EXCLUDED.{epoch}, EXCLUDED.{seq})
            """;
        return command;
    }

    /// <summary>
    /// The journal epoch of each row, as the SQL expression for it: one parameter when the changes
    /// share their epoch (those of a live batch always do), an array beside the others when not.
    /// </summary>
    private static string AddJournalEpochs(NpgsqlBatchCommand command, CollapsedChanges changes, IReadOnlyList<int> slots)
    {
        if (changes.SharedJournalEpoch is { } epoch)
        {
            command.Parameters.Add(new NpgsqlParameter("epoch", NpgsqlDbType.Uuid) { Value = epoch });
            return "@epoch";
        }
        command.Parameters.Add(new NpgsqlParameter("epochs", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = changes.JournalEpochs(slots) });
        return "unnest(@epochs)";
    }
}
