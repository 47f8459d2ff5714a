using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace EdgeSync.Bench;

public enum BaselineKind
{
    /// <summary>Binary COPY straight into the table: the fastest way PostgreSQL takes these rows.</summary>
    Copy,
    /// <summary>What the node's MirrorWriter sent per batch until commit cc6f346: temp table, COPY into it, INSERT … ON CONFLICT DO UPDATE, DROP.</summary>
    UpsertViaTempTable,
    /// <summary>One INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE (what MirrorWriter sends since cc6f346): one round trip, no temp table.</summary>
    UpsertViaUnnest,
    /// <summary>What MirrorWriter sends now: rows whose key sorts after the table's greatest key inserted plainly, the others upserted, in one statement (each part skipped whole when the batch's key range cannot reach it).</summary>
    AppendOrUpsert,
}

/// <summary>
/// Writes the devices' rows without the node: per (table, batch), the final version of each
/// row of the batch, into plain tables made <c>LIKE</c> the node's mirror tables (same columns,
/// types, defaults and primary key), in schema <c>bench_copy</c>. One worker per connection;
/// a worker takes a device and writes its batches in the order the device published them.
/// </summary>
public sealed class Baseline(NpgsqlDataSource db, IReadOnlyList<TableStream> streams, IReadOnlyDictionary<TableStream, List<List<Row>>> rows, int firstMeasuredBatch)
{
    public const string Schema = "bench_copy";
    private const string TempTable = "_bench_upserts";
    private static readonly string DataColumns = string.Join(", ", TableStream.Columns.Select(c => Q(c.Name)));
    private static readonly string AllColumns = $"_edge_device_id, _edge_journal_epoch, _edge_commit_seq, {DataColumns}";

    public static string TableOf(TableStream s) => $"{Q(Schema)}.{Q($"c_{s.DeviceIndex:D4}_{s.Table}")}";

    private static string Q(string identifier) => $"\"{identifier.Replace("\"", "\"\"")}\"";

    public async Task CreateTablesAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        await Execute(connection, $"DROP SCHEMA IF EXISTS {Q(Schema)} CASCADE; CREATE SCHEMA {Q(Schema)}");
        foreach (var chunk in streams.Chunk(50))
            await Execute(connection, string.Join(";\n", chunk.Select(s =>
                // The key of a per-device table (id) also for a coalesced mirror, whose key starts with the device.
                $"CREATE TABLE {TableOf(s)} (LIKE {Q(s.MirrorSchema!)}.{Q(s.MirrorTable!)} INCLUDING ALL EXCLUDING INDEXES, PRIMARY KEY (id))")));
    }

    /// <summary>Empties the tables and writes the warm-up rows again (untimed), so each run starts where the measured phase did.</summary>
    public async Task ResetAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        await Execute(connection, $"TRUNCATE {string.Join(", ", streams.Select(TableOf))}");
        foreach (var s in streams)
            for (var b = 0; b < firstMeasuredBatch; b++)
                await CopyAsync(connection, s, rows[s][b]);
        await Execute(connection, $"ANALYZE {string.Join(", ", streams.Select(TableOf))}");
        try { await Execute(connection, "CHECKPOINT"); } catch (PostgresException) { /* not allowed: fine */ }
    }

    /// <returns>Wall seconds for every measured batch of every table.</returns>
    public async Task<double> RunAsync(BaselineKind kind, int connections)
    {
        var devices = streams.GroupBy(s => s.DeviceIndex).Select(g => g.OrderBy(s => s.TableIndex).ToList()).ToList();
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Math.Min(connections, devices.Count)).Select(async _ =>
        {
            await using var connection = await db.OpenConnectionAsync();
            for (var d = Interlocked.Increment(ref next); d < devices.Count; d = Interlocked.Increment(ref next))
            {
                var tables = devices[d];
                for (var b = firstMeasuredBatch; b < rows[tables[0]].Count; b++)
                    foreach (var s in tables)
                        await WriteAsync(connection, kind, s, rows[s][b]);
            }
        }));
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static Task WriteAsync(NpgsqlConnection connection, BaselineKind kind, TableStream s, List<Row> batch) => kind switch
    {
        BaselineKind.Copy => CopyAsync(connection, s, batch),
        BaselineKind.UpsertViaTempTable => UpsertViaTempTableAsync(connection, s, batch),
        BaselineKind.AppendOrUpsert => AppendOrUpsertAsync(connection, s, batch),
        _ => UpsertViaUnnestAsync(connection, s, batch),
    };

    private static async Task CopyAsync(NpgsqlConnection connection, TableStream s, List<Row> batch)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {TableOf(s)} ({AllColumns}) FROM STDIN (FORMAT BINARY)");
        foreach (var r in batch)
        {
            await importer.StartRowAsync();
            await importer.WriteAsync(s.DeviceId, NpgsqlDbType.Uuid);
            await importer.WriteAsync(s.Epoch, NpgsqlDbType.Uuid);
            await WriteValuesAsync(importer, r);
        }
        await importer.CompleteAsync();
    }

    private static async Task WriteValuesAsync(NpgsqlBinaryImporter importer, Row r)
    {
        await importer.WriteAsync(r.Seq, NpgsqlDbType.Bigint);
        await importer.WriteAsync(r.Id, NpgsqlDbType.Bigint);
        await importer.WriteAsync(r.Site, NpgsqlDbType.Text);
        await importer.WriteAsync(r.State, NpgsqlDbType.Text);
        await importer.WriteAsync(r.Value, NpgsqlDbType.Double);
        await importer.WriteAsync(r.Temp, NpgsqlDbType.Double);
        await importer.WriteAsync(r.Counter, NpgsqlDbType.Bigint);
        await importer.WriteAsync(r.Flags, NpgsqlDbType.Bigint);
        if (r.Raw is null)
            await importer.WriteNullAsync();
        else
            await importer.WriteAsync(r.Raw, NpgsqlDbType.Bytea);
    }

    /// <summary>The mirror's rule: a version is written only when newer than the row's (journal_epoch, commit_seq).</summary>
    private static string OnConflict() =>
        $"""
        ON CONFLICT (id) DO UPDATE SET _edge_device_id = EXCLUDED._edge_device_id, _edge_journal_epoch = EXCLUDED._edge_journal_epoch,
            _edge_commit_seq = EXCLUDED._edge_commit_seq,
            {string.Join(", ", TableStream.Columns.Where(c => c.Name != "id").Select(c => $"{Q(c.Name)} = EXCLUDED.{Q(c.Name)}"))},
            _edge_updated_at = now()
        WHERE (m._edge_journal_epoch, m._edge_commit_seq) < (EXCLUDED._edge_journal_epoch, EXCLUDED._edge_commit_seq)
        """;

    private static async Task UpsertViaTempTableAsync(NpgsqlConnection connection, TableStream s, List<Row> batch)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = new NpgsqlCommand(
            $"""
            DROP TABLE IF EXISTS pg_temp.{TempTable};
            CREATE TEMP TABLE {TempTable} (epoch uuid NOT NULL, seq bigint NOT NULL, id bigint, site text, state text,
                value double precision, temp double precision, counter bigint, flags bigint, raw bytea) ON COMMIT DROP
            """, connection, transaction))
            await create.ExecuteNonQueryAsync();
        await using (var importer = await connection.BeginBinaryImportAsync(
            $"COPY pg_temp.{TempTable} (epoch, seq, id, site, state, value, temp, counter, flags, raw) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var r in batch)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(s.Epoch, NpgsqlDbType.Uuid);
                await WriteValuesAsync(importer, r);
            }
            await importer.CompleteAsync();
        }
        await using (var upsert = new NpgsqlBatch(connection, transaction))
        {
            var insert = new NpgsqlBatchCommand(
                $"""
                INSERT INTO {TableOf(s)} AS m ({AllColumns})
                SELECT @device, t.epoch, t.seq, t.id, t.site, t.state, t.value, t.temp, t.counter, t.flags, t.raw FROM pg_temp.{TempTable} t
                {OnConflict()}
                """);
            insert.Parameters.Add(new NpgsqlParameter("device", NpgsqlDbType.Uuid) { Value = s.DeviceId });
            upsert.BatchCommands.Add(insert);
            upsert.BatchCommands.Add(new NpgsqlBatchCommand($"DROP TABLE pg_temp.{TempTable}"));
            await upsert.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }

    private static async Task AppendOrUpsertAsync(NpgsqlConnection connection, TableStream s, List<Row> batch)
    {
        const string Rows = "SELECT unnest(@seq) AS seq, unnest(@id) AS id, unnest(@site) AS site, unnest(@state) AS state, unnest(@value) AS value, " +
            "unnest(@temp) AS temp, unnest(@counter) AS counter, unnest(@flags) AS flags, unnest(@raw) AS raw";
        await using var command = new NpgsqlCommand(
            $"""
            WITH top AS (SELECT id FROM {TableOf(s)} ORDER BY id DESC LIMIT 1),
            appended AS (
                INSERT INTO {TableOf(s)} ({AllColumns}) SELECT @device, @epoch, u.* FROM ({Rows}) AS u
                WHERE (NOT EXISTS (SELECT FROM top) OR (SELECT k FROM unnest(@id) AS k ORDER BY 1 DESC LIMIT 1) > (SELECT id FROM top))
                  AND (NOT EXISTS (SELECT FROM top) OR u.id > (SELECT id FROM top))
                RETURNING 1),
            upserted AS (
                INSERT INTO {TableOf(s)} AS m ({AllColumns}) SELECT @device, @epoch, u.* FROM ({Rows}) AS u
                WHERE (SELECT k FROM unnest(@id) AS k ORDER BY 1 LIMIT 1) <= (SELECT id FROM top) AND u.id <= (SELECT id FROM top)
                {OnConflict()}
                RETURNING 1)
            SELECT (SELECT count(*) FROM appended) + (SELECT count(*) FROM upserted)
            """, connection);
        AddColumnArrays(command, s, batch);
        await command.ExecuteScalarAsync();
    }

    private static async Task UpsertViaUnnestAsync(NpgsqlConnection connection, TableStream s, List<Row> batch)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {TableOf(s)} AS m ({AllColumns})
            SELECT @device, @epoch, u.* FROM unnest(@seq, @id, @site, @state, @value, @temp, @counter, @flags, @raw)
                AS u(seq, id, site, state, value, temp, counter, flags, raw)
            {OnConflict()}
            """, connection);
        AddColumnArrays(command, s, batch);
        await command.ExecuteNonQueryAsync();
    }

    private static void AddColumnArrays(NpgsqlCommand command, TableStream s, List<Row> batch)
    {
        command.Parameters.Add(new NpgsqlParameter("device", NpgsqlDbType.Uuid) { Value = s.DeviceId });
        command.Parameters.Add(new NpgsqlParameter("epoch", NpgsqlDbType.Uuid) { Value = s.Epoch });
        command.Parameters.Add(new NpgsqlParameter("seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = batch.Select(r => r.Seq).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = batch.Select(r => r.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("site", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(r => r.Site).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("state", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(r => r.State).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("value", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = batch.Select(r => r.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("temp", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = batch.Select(r => r.Temp).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("counter", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = batch.Select(r => r.Counter).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("flags", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = batch.Select(r => r.Flags).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("raw", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = batch.Select(r => r.Raw).ToArray() });
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }
}
