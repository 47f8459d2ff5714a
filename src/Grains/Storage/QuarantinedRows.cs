using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace EdgeSync.Storage;

/// <summary>A row operation in the quarantine: as it was staged, with the error it met and who took it out of the way.</summary>
public sealed record QuarantinedRow(
    Guid JournalEpoch, long SourceCommitSeq, string Op, string PkJson, string? RowJson, int Bytes, Guid BatchId, DateTimeOffset? StagedAt,
    string Kind, string? Error, string Actor, string? Reason, DateTimeOffset QuarantinedAt, bool Compressed);

/// <summary>A row operation the policy sets aside, with the error its write met; <see cref="StagedAt"/> is null for a live row never staged.</summary>
public sealed record RowToQuarantine(
    Guid JournalEpoch, long CommitSeq, string Op, string PkJson, string? RowJson, int Bytes, Guid BatchId, DateTimeOffset? StagedAt, string Error);

/// <summary>Whose lineage the rows belong to, as the quarantine keys them.</summary>
public sealed record QuarantineOwner(Guid LineageId, Guid ProjectId, Guid DeviceId, string SourceTable);

/// <summary>One row moved between staging and the quarantine.</summary>
public sealed record MovedRow(long SourceCommitSeq, int Bytes);

/// <summary>
/// The quarantine (docs/storage.md): staged rows an operator discarded and rows the policy set
/// aside, each moved in one statement, so a row is always in exactly one of staging or quarantine.
/// </summary>
public sealed class QuarantinedRows(EdgeStoreSettings settings, NpgsqlDataSource dataSource)
{
    public const string Discarded = "discarded";
    public const string Quarantined = "quarantined";

    private readonly string _table = settings.Table(EdgeTables.QuarantinedRows);
    private readonly string _staged = settings.Table(EdgeTables.StagedRows);

    /// <summary>Moves the staged rows of <paramref name="journalEpoch"/> with these commit seqs to the quarantine; answers the ones moved.</summary>
    public async Task<IReadOnlyList<MovedRow>> DiscardStagedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, QuarantineOwner owner, Guid journalEpoch, IReadOnlyList<long> seqs,
        string? error, string actor, string? reason, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"""
            WITH moved AS (
                DELETE FROM {_staged}
                WHERE lineage_id = @lineage AND journal_epoch = @epoch AND source_commit_seq = ANY(@seqs)
                RETURNING *
            )
            INSERT INTO {_table} (lineage_id, journal_epoch, source_commit_seq, project_id, device_id, source_table, op, pk,
                                  row_inline, row_compressed, bytes, batch_id, staged_at, kind, error, actor, reason, quarantined_at)
            SELECT lineage_id, journal_epoch, source_commit_seq, @project, device_id, source_table, op, pk,
                   row_inline, row_compressed, bytes, batch_id, staged_at, @kind, @error, @actor, @reason, @at
            FROM moved
            ON CONFLICT (lineage_id, journal_epoch, source_commit_seq) DO UPDATE SET
                op = EXCLUDED.op, pk = EXCLUDED.pk, row_inline = EXCLUDED.row_inline, row_compressed = EXCLUDED.row_compressed,
                bytes = EXCLUDED.bytes, batch_id = EXCLUDED.batch_id, staged_at = EXCLUDED.staged_at, kind = EXCLUDED.kind,
                error = EXCLUDED.error, actor = EXCLUDED.actor, reason = EXCLUDED.reason, quarantined_at = EXCLUDED.quarantined_at
            RETURNING source_commit_seq, bytes
            """, connection, transaction);
        command.Parameters.AddWithValue("lineage", owner.LineageId);
        command.Parameters.AddWithValue("project", owner.ProjectId);
        command.Parameters.AddWithValue("epoch", journalEpoch);
        command.Parameters.AddWithValue("seqs", seqs.ToArray());
        command.Parameters.AddWithValue("kind", Discarded);
        command.Parameters.AddWithValue("error", NpgsqlDbType.Text, (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.AddWithValue("reason", NpgsqlDbType.Text, (object?)reason ?? DBNull.Value);
        command.Parameters.AddWithValue("at", at);
        return await MovedAsync(command, ct);
    }

    /// <summary>
    /// Moves quarantined rows back into staging (kept there once, like any staged row); answers
    /// the ones moved. They are staged with <paramref name="stagingReason"/> at <paramref name="at"/>.
    /// </summary>
    public async Task<IReadOnlyList<MovedRow>> RequeueAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, Guid journalEpoch, IReadOnlyList<long> seqs,
        string stagingReason, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"""
            WITH moved AS (
                DELETE FROM {_table}
                WHERE lineage_id = @lineage AND journal_epoch = @epoch AND source_commit_seq = ANY(@seqs)
                RETURNING *
            ), staged AS (
                INSERT INTO {_staged} (lineage_id, journal_epoch, source_commit_seq, device_id, source_table, op, pk,
                                       row_inline, row_compressed, bytes, staging_reason, batch_id, staged_at)
                SELECT lineage_id, journal_epoch, source_commit_seq, device_id, source_table, op, pk,
                       row_inline, row_compressed, bytes, @reason, batch_id, @at
                FROM moved
                ON CONFLICT (lineage_id, journal_epoch, source_commit_seq) DO NOTHING
            )
            SELECT source_commit_seq, bytes FROM moved
            """, connection, transaction);
        command.Parameters.AddWithValue("lineage", lineageId);
        command.Parameters.AddWithValue("epoch", journalEpoch);
        command.Parameters.AddWithValue("seqs", seqs.ToArray());
        command.Parameters.AddWithValue("reason", stagingReason);
        command.Parameters.AddWithValue("at", at);
        return await MovedAsync(command, ct);
    }

    /// <summary>Which of <paramref name="seqs"/> of the epoch are in the quarantine.</summary>
    public Task<IReadOnlyList<long>> HeldAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, Guid journalEpoch, IReadOnlyList<long> seqs, CancellationToken ct = default) =>
        HeldSeqs.ReadAsync(connection, transaction, _table, lineageId, journalEpoch, seqs, ct);

    /// <summary>Puts rows the policy set aside into the quarantine, in one statement; rows already there are replaced.</summary>
    public async Task QuarantineAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, QuarantineOwner owner,
        IReadOnlyList<RowToQuarantine> rows, DateTimeOffset at, CancellationToken ct = default)
    {
        if (rows.Count == 0)
            return;
        var inline = new string?[rows.Count];
        var compressed = new byte[]?[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].RowJson is { } json && Encoding.UTF8.GetByteCount(json) > StagedRows.InlineLimitBytes)
                compressed[i] = StagedRows.Compress(json);
            else
                inline[i] = rows[i].RowJson;
        }
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {_table} (lineage_id, journal_epoch, source_commit_seq, project_id, device_id, source_table, op, pk,
                                  row_inline, row_compressed, bytes, batch_id, staged_at, kind, error, actor, reason, quarantined_at)
            SELECT @lineage, r.epoch, r.seq, @project, @device, @table, r.op, r.pk::jsonb, r.inline::jsonb, r.compressed, r.bytes,
                   r.batch, r.staged, @kind, r.error, 'system', NULL, @at
            FROM unnest(@epochs, @seqs, @ops, @pks, @inline, @compressed, @bytes, @batches, @staged, @errors)
                AS r(epoch, seq, op, pk, inline, compressed, bytes, batch, staged, error)
            ON CONFLICT (lineage_id, journal_epoch, source_commit_seq) DO UPDATE SET
                error = EXCLUDED.error, kind = EXCLUDED.kind, actor = EXCLUDED.actor, reason = NULL, quarantined_at = EXCLUDED.quarantined_at
            """, connection, transaction);
        command.Parameters.AddWithValue("lineage", owner.LineageId);
        command.Parameters.AddWithValue("project", owner.ProjectId);
        command.Parameters.AddWithValue("device", owner.DeviceId);
        command.Parameters.AddWithValue("table", owner.SourceTable);
        command.Parameters.AddWithValue("kind", Quarantined);
        command.Parameters.AddWithValue("epochs", rows.Select(r => r.JournalEpoch).ToArray());
        command.Parameters.AddWithValue("batches", rows.Select(r => r.BatchId).ToArray());
        command.Parameters.AddWithValue("staged", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, rows.Select(r => r.StagedAt).ToArray());
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("seqs", rows.Select(r => r.CommitSeq).ToArray());
        command.Parameters.AddWithValue("ops", rows.Select(r => r.Op).ToArray());
        command.Parameters.AddWithValue("pks", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(r => r.PkJson).ToArray());
        command.Parameters.AddWithValue("inline", NpgsqlDbType.Array | NpgsqlDbType.Text, inline);
        command.Parameters.AddWithValue("compressed", NpgsqlDbType.Array | NpgsqlDbType.Bytea, compressed);
        command.Parameters.AddWithValue("bytes", rows.Select(r => r.Bytes).ToArray());
        command.Parameters.AddWithValue("errors", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(r => r.Error).ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The lineage's quarantined rows, page by page, in (journal_epoch, commit_seq) order.</summary>
    public async Task<(IReadOnlyList<QuarantinedRow> Rows, long Total)> PageAsync(Guid lineageId, int page, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT journal_epoch, source_commit_seq, op, pk::text, row_inline::text, row_compressed, bytes, batch_id, staged_at,
                   kind, error, actor, reason, quarantined_at, count(*) OVER ()
            FROM {_table}
            WHERE lineage_id = @lineage
            ORDER BY journal_epoch, source_commit_seq
            OFFSET @offset LIMIT @limit
            """);
        command.Parameters.AddWithValue("lineage", lineageId);
        command.Parameters.AddWithValue("offset", (long)(page - 1) * limit);
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<QuarantinedRow>();
        long total = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var compressed = reader.IsDBNull(5) ? null : (byte[])reader[5];
                var rowJson = compressed is not null ? StagedRows.Decompress(compressed) : reader.IsDBNull(4) ? null : reader.GetString(4);
                rows.Add(new QuarantinedRow(reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), rowJson,
                    reader.GetInt32(6), reader.GetGuid(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                    reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetString(11),
                    reader.IsDBNull(12) ? null : reader.GetString(12), reader.GetFieldValue<DateTimeOffset>(13), compressed is not null));
                total = reader.GetInt64(14);
            }
        }
        if (rows.Count == 0 && page > 1)
        {
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM {_table} WHERE lineage_id = @lineage");
            count.Parameters.AddWithValue("lineage", lineageId);
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        return (rows, total);
    }

    public async Task DeleteAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"DELETE FROM {_table} WHERE lineage_id = @lineage", connection, transaction);
        command.Parameters.AddWithValue("lineage", lineageId);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<IReadOnlyList<MovedRow>> MovedAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var moved = new List<MovedRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            moved.Add(new MovedRow(reader.GetInt64(0), reader.GetInt32(1)));
        return moved;
    }
}
