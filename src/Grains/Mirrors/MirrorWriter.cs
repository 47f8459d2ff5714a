using EdgeSync.Storage;
using EdgeSync.Wire;
using Npgsql;
using NpgsqlTypes;

namespace EdgeSync.Mirrors;

/// <summary>
/// Materializes row changes into a mirror table, set-based, inside the caller's transaction
/// (lineage.md, "Materialization"):
/// <list type="number">
/// <item>the changes are converted and collapsed to the newest change per primary key (see <see cref="CollapsedChanges"/>);</item>
/// <item>the upserts are binary-COPY'd into a temp table (<c>ON COMMIT DROP</c>, dropped again at the end);</item>
/// <item>one <c>INSERT … SELECT … ON CONFLICT (key) DO UPDATE … WHERE (mirror epoch, seq) &lt; (new epoch, seq)</c>
/// and one <c>DELETE … USING unnest(key arrays) … WHERE (mirror epoch, seq) &lt; (delete epoch, seq)</c>
/// run in one round trip.</item>
/// </list>
/// uuid comparison orders UUIDv7 epochs by time, so a row version is written only when it is
/// newer than the mirror's. Three round trips at most, whatever the batch size.
/// <para>
/// Deletes leave no tombstone: re-applying an insert OLDER than a delete that was already applied
/// brings the row back. Re-applying the same batch, or any batch not older than the newest
/// applied delete, is harmless; the lineage watermark keeps older batches away.
/// </para>
/// </summary>
public sealed class MirrorWriter(EdgeStoreSettings settings)
{
    private const string UpsertTable = "_edge_mirror_upserts";

    public string Schema { get; } = settings.MirrorSchema;

    /// <summary>
    /// Applies <paramref name="changes"/> (in (journal_epoch, commit_seq) order) to
    /// <paramref name="table"/>; <c>_edge_device_id</c> is set to <paramref name="deviceId"/>.
    /// </summary>
    /// <exception cref="MirrorWriteException">
    /// Permanent for a malformed change or an unconvertible value (thrown before any SQL runs, so
    /// the transaction is untouched) and for permanent database errors; transient for connection
    /// failures, timeouts, deadlocks, serialization failures and the like. After a database error
    /// the transaction is aborted and the caller rolls it back.</exception>
    public async Task<MirrorWriteResult> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, MirrorTable table, Guid deviceId,
        IReadOnlyList<MirrorRowChange> changes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
            return new MirrorWriteResult(0, 0, 0);
        var collapsed = CollapsedChanges.From(table, changes);
        var qualified = PgIdentifier.Qualified(Schema, table.Name);
        try
        {
            if (collapsed.Upserts.Count > 0)
                await CopyUpsertsAsync(connection, transaction, table, collapsed.Upserts, ct);

            await using var batch = new NpgsqlBatch(connection, transaction);
            NpgsqlBatchCommand? upsert = null, delete = null;
            if (collapsed.Upserts.Count > 0)
            {
                batch.BatchCommands.Add(upsert = UpsertCommand(qualified, table, deviceId));
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"DROP TABLE pg_temp.{UpsertTable}"));
            }
            if (collapsed.Deletes.Count > 0)
                batch.BatchCommands.Add(delete = DeleteCommand(qualified, table, collapsed.Deletes));
            await batch.ExecuteNonQueryAsync(ct);

            var upserted = upsert?.RecordsAffected ?? 0;
            var deleted = delete?.RecordsAffected ?? 0;
            return new MirrorWriteResult(upserted, deleted, changes.Count - upserted - deleted);
        }
        catch (Exception e) when (MirrorWriteException.Wrap(e, $"writing mirror table '{table.Name}'") is { } wrapped)
        {
            throw wrapped;
        }
    }

    private static async Task CopyUpsertsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, MirrorTable table, IReadOnlyList<ConvertedChange> upserts, CancellationToken ct)
    {
        var columns = table.Columns;
        var definitions = string.Join(", ", columns.Select((c, i) => $"v{i} {MirrorValues.TransportSqlType(c.SqliteAffinity)}"));
        await using (var create = new NpgsqlCommand(
            $"""
            DROP TABLE IF EXISTS pg_temp.{UpsertTable};
            CREATE TEMP TABLE {UpsertTable} (epoch uuid NOT NULL, seq bigint NOT NULL, {definitions}) ON COMMIT DROP
            """, connection, transaction))
            await create.ExecuteNonQueryAsync(ct);

        var types = columns.Select(c => MirrorValues.TransportType(c.SqliteAffinity)).ToArray();
        var names = string.Join(", ", columns.Select((_, i) => $"v{i}"));
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY pg_temp.{UpsertTable} (epoch, seq, {names}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var change in upserts)
        {
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(change.JournalEpoch, NpgsqlDbType.Uuid, ct);
            await importer.WriteAsync(change.CommitSeq, NpgsqlDbType.Bigint, ct);
            for (var i = 0; i < types.Length; i++)
            {
                switch (change.Values[i])
                {
                    case null: await importer.WriteNullAsync(ct); break;
                    case long l: await importer.WriteAsync(l, types[i], ct); break;
                    case double d: await importer.WriteAsync(d, types[i], ct); break;
                    case string s: await importer.WriteAsync(s, types[i], ct); break;
                    case byte[] b: await importer.WriteAsync(b, types[i], ct); break;
                    default: throw new InvalidOperationException($"unexpected value type {change.Values[i]!.GetType().Name}");
                }
            }
        }
        await importer.CompleteAsync(ct);
    }

    private static NpgsqlBatchCommand UpsertCommand(string qualified, MirrorTable table, Guid deviceId)
    {
        var columns = table.Columns;
        var keyNames = table.Key.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var targets = string.Join(", ", columns.Select(c => PgIdentifier.Quote(c.Name)));
        var sources = string.Join(", ", columns.Select((c, i) => c.SqliteAffinity == SqliteAffinity.Numeric ? $"t.v{i}::numeric" : $"t.v{i}"));
        var updates = new[] { PlatformColumns.DeviceId, PlatformColumns.JournalEpoch, PlatformColumns.CommitSeq }
            .Concat(columns.Where(c => !keyNames.Contains(c.Name)).Select(c => PgIdentifier.Quote(c.Name)))
            .Select(name => $"{name} = EXCLUDED.{name}")
            .Append($"{PlatformColumns.UpdatedAt} = now()");
        var command = new NpgsqlBatchCommand(
            $"""
            INSERT INTO {qualified} AS m ({PlatformColumns.DeviceId}, {PlatformColumns.JournalEpoch}, {PlatformColumns.CommitSeq}, {targets})
            SELECT @device, t.epoch, t.seq, {sources}
            FROM pg_temp.{UpsertTable} t
            ON CONFLICT ({string.Join(", ", table.Key.Select(c => PgIdentifier.Quote(c.Name)))}) DO UPDATE SET
                {string.Join(",\n    ", updates)}
            WHERE (m.{PlatformColumns.JournalEpoch}, m.{PlatformColumns.CommitSeq}) < (EXCLUDED.{PlatformColumns.JournalEpoch}, EXCLUDED.{PlatformColumns.CommitSeq})
            """);
        command.Parameters.Add(new NpgsqlParameter("device", NpgsqlDbType.Uuid) { Value = deviceId });
        return command;
    }

    private static NpgsqlBatchCommand DeleteCommand(string qualified, MirrorTable table, IReadOnlyList<ConvertedChange> deletes)
    {
        var key = table.Key;
        var command = new NpgsqlBatchCommand();
        var arrays = new List<string>();
        var matches = new List<string>();
        for (var k = 0; k < key.Count; k++)
        {
            var affinity = key[k].SqliteAffinity;
            var values = Array.CreateInstance(ClrType(affinity), deletes.Count);
            for (var n = 0; n < deletes.Count; n++)
                values.SetValue(deletes[n].Values[k], n);
            command.Parameters.Add(new NpgsqlParameter($"k{k}", NpgsqlDbType.Array | MirrorValues.TransportType(affinity)) { Value = values });
            arrays.Add($"@k{k}");
            matches.Add($"m.{PgIdentifier.Quote(key[k].Name)} = d.k{k}" + (affinity == SqliteAffinity.Numeric ? "::numeric" : ""));
        }
        command.Parameters.Add(new NpgsqlParameter("epochs", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = deletes.Select(d => d.JournalEpoch).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = deletes.Select(d => d.CommitSeq).ToArray() });
        command.CommandText =
            $"""
            DELETE FROM {qualified} AS m
            USING unnest({string.Join(", ", arrays)}, @epochs, @seqs) AS d({string.Join(", ", key.Select((_, k) => $"k{k}"))}, epoch, seq)
            WHERE {string.Join(" AND ", matches)}
              AND (m.{PlatformColumns.JournalEpoch}, m.{PlatformColumns.CommitSeq}) < (d.epoch, d.seq)
            """;
        return command;
    }

    private static Type ClrType(string affinity) => affinity switch
    {
        SqliteAffinity.Integer => typeof(long),
        SqliteAffinity.Real => typeof(double),
        SqliteAffinity.Blob => typeof(byte[]),
        _ => typeof(string),
    };
}
