using System.IO.Compression;
using System.Text;
using EdgeSync.Wire;
using Npgsql;
using NpgsqlTypes;

namespace EdgeSync.Storage;

public sealed record StagedRow(
    Guid JournalEpoch, long SourceCommitSeq, string Op, string PkJson, string? RowJson,
    string StagingReason, int Bytes, Guid BatchId, DateTimeOffset StagedAt, bool Compressed);

/// <summary>
/// The staging table: rows that wait for their lineage to be able to write. One multi-row
/// statement per batch; the same row staged twice is kept once.
/// </summary>
public sealed class StagedRows(EdgeStoreSettings settings, NpgsqlDataSource dataSource)
{
    /// <summary>Rows whose JSON is larger than this are stored gzip-compressed instead of inline.</summary>
    public const int InlineLimitBytes = 8 * 1024;

    private readonly string _table = settings.Table(EdgeTables.StagedRows);

    public async Task<int> StageAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid lineageId, Guid deviceId, string sourceTable, Guid batchId, Guid journalEpoch,
        IReadOnlyList<RowOperation> rows, string reason, DateTimeOffset stagedAt, CancellationToken ct = default)
    {
        if (rows.Count == 0)
            return 0;
        var seqs = new long[rows.Count];
        var ops = new string[rows.Count];
        var pks = new string[rows.Count];
        var inline = new string?[rows.Count];
        var compressed = new byte[]?[rows.Count];
        var bytes = new int[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            seqs[i] = row.CommitSeq;
            ops[i] = row.Op;
            pks[i] = row.PkJson;
            bytes[i] = Lineages.StagedRowSize.Of(row);
            if (row.RowJson is { } json && Encoding.UTF8.GetByteCount(json) > InlineLimitBytes)
                compressed[i] = Compress(json);
            else
                inline[i] = row.RowJson;
        }

        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {_table} (lineage_id, journal_epoch, source_commit_seq, device_id, source_table, op, pk,
                                  row_inline, row_compressed, bytes, staging_reason, batch_id, staged_at)
            SELECT @lineage, @epoch, r.seq, @device, @table, r.op, r.pk::jsonb, r.inline::jsonb, r.compressed, r.bytes, @reason, @batch, @at
            FROM unnest(@seqs, @ops, @pks, @inline, @compressed, @bytes) AS r(seq, op, pk, inline, compressed, bytes)
            ON CONFLICT (lineage_id, journal_epoch, source_commit_seq) DO NOTHING
            """, connection, transaction);
        command.Parameters.AddWithValue("lineage", lineageId);
        command.Parameters.AddWithValue("epoch", journalEpoch);
        command.Parameters.AddWithValue("device", deviceId);
        command.Parameters.AddWithValue("table", sourceTable);
        command.Parameters.AddWithValue("reason", reason);
        command.Parameters.AddWithValue("batch", batchId);
        command.Parameters.AddWithValue("at", stagedAt);
        command.Parameters.AddWithValue("seqs", seqs);
        command.Parameters.AddWithValue("ops", ops);
        command.Parameters.AddWithValue("pks", NpgsqlDbType.Array | NpgsqlDbType.Text, pks);
        command.Parameters.AddWithValue("inline", NpgsqlDbType.Array | NpgsqlDbType.Text, inline);
        command.Parameters.AddWithValue("compressed", NpgsqlDbType.Array | NpgsqlDbType.Bytea, compressed);
        command.Parameters.AddWithValue("bytes", bytes);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<(IReadOnlyList<StagedRow> Rows, long Total)> PageAsync(
        Guid lineageId, int page, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT journal_epoch, source_commit_seq, op, pk::text, row_inline::text, row_compressed,
                   staging_reason, bytes, batch_id, staged_at, count(*) OVER ()
            FROM {_table}
            WHERE lineage_id = @lineage
            ORDER BY journal_epoch, source_commit_seq
            OFFSET @offset LIMIT @limit
            """);
        command.Parameters.AddWithValue("lineage", lineageId);
        command.Parameters.AddWithValue("offset", (long)(page - 1) * limit);
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<StagedRow>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(Read(reader));
            total = reader.GetInt64(10);
        }
        if (rows.Count == 0 && page > 1)
            total = await CountAsync(lineageId, ct);
        return (rows, total);
    }

    /// <summary>The oldest staged rows of a lineage, in (journal_epoch, commit_seq) order, for replay.</summary>
    public async Task<IReadOnlyList<StagedRow>> ReadOldestAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, int limit, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT journal_epoch, source_commit_seq, op, pk::text, row_inline::text, row_compressed, staging_reason, bytes, batch_id, staged_at
            FROM {_table}
            WHERE lineage_id = @lineage
            ORDER BY journal_epoch, source_commit_seq
            LIMIT @limit
            """, connection, transaction);
        command.Parameters.AddWithValue("lineage", lineageId);
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<StagedRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(Read(reader));
        return rows;
    }

    /// <summary>Removes the drained prefix of the backlog, up to and including (epoch, seq).</summary>
    public async Task<int> DeleteThroughAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, Guid journalEpoch, long commitSeq, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"DELETE FROM {_table} WHERE lineage_id = @lineage AND (journal_epoch, source_commit_seq) <= (@epoch, @seq)",
            connection, transaction);
        command.Parameters.AddWithValue("lineage", lineageId);
        command.Parameters.AddWithValue("epoch", journalEpoch);
        command.Parameters.AddWithValue("seq", commitSeq);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Which of <paramref name="seqs"/> of the epoch are staged.</summary>
    public Task<IReadOnlyList<long>> HeldAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, Guid journalEpoch, IReadOnlyList<long> seqs, CancellationToken ct = default) =>
        HeldSeqs.ReadAsync(connection, transaction, _table, lineageId, journalEpoch, seqs, ct);

    public async Task DeleteAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"DELETE FROM {_table} WHERE lineage_id = @lineage", connection, transaction);
        command.Parameters.AddWithValue("lineage", lineageId);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<long> CountAsync(Guid lineageId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {_table} WHERE lineage_id = @lineage");
        command.Parameters.AddWithValue("lineage", lineageId);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static StagedRow Read(NpgsqlDataReader reader)
    {
        var compressed = reader.IsDBNull(5) ? null : (byte[])reader[5];
        var rowJson = compressed is not null ? Decompress(compressed) : reader.IsDBNull(4) ? null : reader.GetString(4);
        return new StagedRow(reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), rowJson,
            reader.GetString(6), reader.GetInt32(7), reader.GetGuid(8), reader.GetFieldValue<DateTimeOffset>(9), compressed is not null);
    }

    internal static byte[] Compress(string json)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
            gzip.Write(Encoding.UTF8.GetBytes(json));
        return buffer.ToArray();
    }

    internal static string Decompress(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
