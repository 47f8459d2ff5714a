using EdgeSync.Storage;
using Npgsql;
using NpgsqlTypes;

namespace EdgeSync.Uploads;

/// <summary>What became of a PUT of an object.</summary>
public enum StoreOutcome
{
    Stored,
    /// <summary>No such upload (its lineage was deleted since the grant).</summary>
    Unknown,
    Expired,
    AlreadyUsed,
    TooLarge,
    NotZstd,
}

public sealed record UploadFilter(Guid ProjectId, Guid? DeviceId, string? SourceTable, string? State, Guid? LineageId = null);

/// <summary>
/// <c>edge_uploads</c> and <c>edge_upload_chunks</c>: the record of every upload and the bytes of
/// its object, kept in PostgreSQL where every node can read them.
/// </summary>
public sealed class UploadStore(EdgeStoreSettings settings, NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>The size of a stored chunk: the most the endpoint holds in memory for one upload.</summary>
    public const int ChunkBytes = 1 << 20;

    private static readonly byte[] ZstdMagic = [0x28, 0xB5, 0x2F, 0xFD];

    private readonly string _uploads = settings.Table(EdgeTables.Uploads);
    private readonly string _chunks = settings.Table(EdgeTables.UploadChunks);

    private const string Columns =
        "upload_id, project_id, device_id, lineage_id, source_table, segment_kind, state, bytes, granted_at, expires_at, uploaded_at, finalized_at, batch_id, rows_ingested, detail";

    /// <summary>Records a grant inside the lineage's transaction.</summary>
    public async Task GrantAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Upload upload, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {_uploads} (upload_id, project_id, device_id, lineage_id, source_table, segment_kind, state, granted_at, expires_at)
            VALUES (@id, @project, @device, @lineage, @table, @kind, @state, @granted, @expires)
            ON CONFLICT (upload_id) DO NOTHING
            """, connection, transaction);
        command.Parameters.AddWithValue("id", upload.UploadId);
        command.Parameters.AddWithValue("project", upload.ProjectId);
        command.Parameters.AddWithValue("device", upload.DeviceId);
        command.Parameters.AddWithValue("lineage", upload.LineageId);
        command.Parameters.AddWithValue("table", upload.SourceTable);
        command.Parameters.AddWithValue("kind", upload.SegmentKind);
        command.Parameters.AddWithValue("state", UploadStates.Granted);
        command.Parameters.AddWithValue("granted", upload.GrantedAt);
        command.Parameters.AddWithValue("expires", upload.ExpiresAt);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Streams <paramref name="body"/> into chunks of <see cref="ChunkBytes"/>, each written as it
    /// fills, under a lock of the upload's row (a second PUT waits, then finds it used): at most
    /// one chunk is held in memory. Whatever is refused leaves nothing behind (the transaction rolls back).
    /// </summary>
    public async Task<(StoreOutcome Outcome, long Bytes)> StoreObjectAsync(UploadClaims claims, Stream body, long maxBytes, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockRow = new NpgsqlCommand(
            $"SELECT state, expires_at FROM {_uploads} WHERE upload_id = @id AND project_id = @project AND device_id = @device FOR UPDATE",
            connection, transaction))
        {
            lockRow.Parameters.AddWithValue("id", claims.UploadId);
            lockRow.Parameters.AddWithValue("project", claims.ProjectId);
            lockRow.Parameters.AddWithValue("device", claims.DeviceId);
            await using var reader = await lockRow.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
                return (StoreOutcome.Unknown, 0);
            if (reader.GetString(0) != UploadStates.Granted)
                return (StoreOutcome.AlreadyUsed, 0);
            if (reader.GetFieldValue<DateTimeOffset>(1) <= clock.GetUtcNow())
                return (StoreOutcome.Expired, 0);
        }

        var buffer = new byte[ChunkBytes];
        long total = 0;
        var ordinal = 0;
        await using var insert = new NpgsqlCommand($"INSERT INTO {_chunks} (upload_id, ordinal, data) VALUES (@id, @ordinal, @data)", connection, transaction);
        insert.Parameters.AddWithValue("id", claims.UploadId);
        var ordinalParameter = new NpgsqlParameter<int>("ordinal", 0);
        var dataParameter = new NpgsqlParameter<ReadOnlyMemory<byte>>("data", NpgsqlDbType.Bytea);
        insert.Parameters.Add(ordinalParameter);
        insert.Parameters.Add(dataParameter);
        while (true)
        {
            var filled = await FillAsync(body, buffer, ct);
            if (filled == 0)
                break;
            if (ordinal == 0 && (filled < ZstdMagic.Length || !buffer.AsSpan(0, ZstdMagic.Length).SequenceEqual(ZstdMagic)))
                return (StoreOutcome.NotZstd, 0);
            total += filled;
            if (total > maxBytes)
                return (StoreOutcome.TooLarge, total);
            ordinalParameter.TypedValue = ordinal++;
            dataParameter.TypedValue = buffer.AsMemory(0, filled);
            await insert.ExecuteNonQueryAsync(ct);
            if (filled < buffer.Length)
                break;
        }
        if (total == 0)
            return (StoreOutcome.NotZstd, 0);

        await using (var mark = new NpgsqlCommand(
            $"UPDATE {_uploads} SET state = @state, bytes = @bytes, uploaded_at = @at WHERE upload_id = @id", connection, transaction))
        {
            mark.Parameters.AddWithValue("state", UploadStates.Uploaded);
            mark.Parameters.AddWithValue("bytes", total);
            mark.Parameters.AddWithValue("at", clock.GetUtcNow());
            mark.Parameters.AddWithValue("id", claims.UploadId);
            await mark.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return (StoreOutcome.Stored, total);
    }

    /// <summary>Reads until the buffer is full or the body ends.</summary>
    private static async Task<int> FillAsync(Stream body, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled), ct);
            if (read == 0)
                break;
            filled += read;
        }
        return filled;
    }

    public async Task<Upload?> FindAsync(Guid uploadId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM {_uploads} WHERE upload_id = @id");
        command.Parameters.AddWithValue("id", uploadId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>The upload finalized under <paramref name="batchId"/>, with the rows it brought, in the lineage's transaction.</summary>
    public async Task FinalizeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid uploadId, Guid batchId, long? rows, DateTimeOffset at,
        CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"""
            UPDATE {_uploads} SET state = @state, batch_id = @batch, rows_ingested = @rows, finalized_at = @at
            WHERE upload_id = @id AND state = @uploaded
            """, connection, transaction);
        command.Parameters.AddWithValue("state", UploadStates.Finalized);
        command.Parameters.AddWithValue("uploaded", UploadStates.Uploaded);
        command.Parameters.AddWithValue("batch", batchId);
        command.Parameters.Add(new NpgsqlParameter<long?>("rows", rows) { NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("id", uploadId);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A snapshot was wholly applied: its rows are counted and its bytes removed, in the transaction of its last chunk.</summary>
    public async Task SnapshotAppliedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid uploadId, long rows, CancellationToken ct = default)
    {
        await using (var command = new NpgsqlCommand($"UPDATE {_uploads} SET rows_ingested = @rows WHERE upload_id = @id", connection, transaction))
        {
            command.Parameters.AddWithValue("rows", rows);
            command.Parameters.AddWithValue("id", uploadId);
            await command.ExecuteNonQueryAsync(ct);
        }
        await DeleteChunksAsync(connection, transaction, uploadId, ct);
    }

    /// <summary>An uploaded object that could not be ingested: refused for good, its bytes removed.</summary>
    public async Task RefuseAsync(Guid uploadId, Guid batchId, string detail, CancellationToken ct = default)
    {
        await using var batch = dataSource.CreateBatch();
        var mark = new NpgsqlBatchCommand($"UPDATE {_uploads} SET state = @state, batch_id = @batch, detail = @detail WHERE upload_id = @id AND state = @uploaded");
        mark.Parameters.AddWithValue("state", UploadStates.Refused);
        mark.Parameters.AddWithValue("uploaded", UploadStates.Uploaded);
        mark.Parameters.AddWithValue("batch", batchId);
        mark.Parameters.AddWithValue("detail", Escaping.SafeText.EscapeAndCut(detail, 2000));
        mark.Parameters.AddWithValue("id", uploadId);
        var delete = new NpgsqlBatchCommand($"DELETE FROM {_chunks} WHERE upload_id = @id");
        delete.Parameters.AddWithValue("id", uploadId);
        batch.BatchCommands.Add(mark);
        batch.BatchCommands.Add(delete);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A deleted lineage's uploads: open ones refused, every stored object removed, in the deletion's transaction.</summary>
    /// <summary>
    /// How many uploads <paramref name="deviceId"/> holds open (granted and not expired, or
    /// uploaded and not finalized). Objects uploaded before <paramref name="abandonedBefore"/> and
    /// never finalized are given up first — their bytes deleted, the upload refused, so a late
    /// finalize is <c>invalid_upload</c> — so that a device whose agent lost track of its uploads
    /// is not shut out for good.
    /// </summary>
    public async Task<int> OpenForDeviceAsync(Guid deviceId, DateTimeOffset abandonedBefore, CancellationToken ct = default)
    {
        await using var batch = dataSource.CreateBatch();
        var giveUp = new NpgsqlBatchCommand(
            $"""
            WITH abandoned AS (
                UPDATE {_uploads} SET state = @refused, detail = 'uploaded but not finalized in time; the object was removed'
                WHERE device_id = @device AND state = @uploaded AND uploaded_at < @before
                RETURNING upload_id)
            DELETE FROM {_chunks} WHERE upload_id IN (SELECT upload_id FROM abandoned)
            """);
        giveUp.Parameters.AddWithValue("device", deviceId);
        giveUp.Parameters.AddWithValue("refused", UploadStates.Refused);
        giveUp.Parameters.AddWithValue("uploaded", UploadStates.Uploaded);
        giveUp.Parameters.AddWithValue("before", abandonedBefore);
        var count = new NpgsqlBatchCommand(
            $"SELECT count(*)::int FROM {_uploads} WHERE device_id = @device AND (state = @uploaded OR (state = @granted AND expires_at > @now))");
        count.Parameters.AddWithValue("device", deviceId);
        count.Parameters.AddWithValue("uploaded", UploadStates.Uploaded);
        count.Parameters.AddWithValue("granted", UploadStates.Granted);
        count.Parameters.AddWithValue("now", clock.GetUtcNow());
        batch.BatchCommands.Add(giveUp);
        batch.BatchCommands.Add(count);
        return (int)(await batch.ExecuteScalarAsync(ct))!;
    }

    public async Task RemoveForLineageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, CancellationToken ct = default)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var delete = new NpgsqlBatchCommand($"DELETE FROM {_chunks} WHERE upload_id IN (SELECT upload_id FROM {_uploads} WHERE lineage_id = @lineage)");
        delete.Parameters.AddWithValue("lineage", lineageId);
        var refuse = new NpgsqlBatchCommand(
            $"UPDATE {_uploads} SET state = @refused, detail = 'its lineage was deleted' WHERE lineage_id = @lineage AND state IN (@granted, @uploaded)");
        refuse.Parameters.AddWithValue("lineage", lineageId);
        refuse.Parameters.AddWithValue("refused", UploadStates.Refused);
        refuse.Parameters.AddWithValue("granted", UploadStates.Granted);
        refuse.Parameters.AddWithValue("uploaded", UploadStates.Uploaded);
        batch.BatchCommands.Add(delete);
        batch.BatchCommands.Add(refuse);
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task DeleteChunksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid uploadId, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"DELETE FROM {_chunks} WHERE upload_id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", uploadId);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The stored object, read one chunk at a time.</summary>
    public Stream OpenObject(Guid uploadId) => new ChunkStream(this, uploadId);

    private async Task<byte[]?> ChunkAsync(Guid uploadId, int ordinal, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT data FROM {_chunks} WHERE upload_id = @id AND ordinal = @ordinal");
        command.Parameters.AddWithValue("id", uploadId);
        command.Parameters.AddWithValue("ordinal", ordinal);
        return await command.ExecuteScalarAsync(ct) as byte[];
    }

    public async Task<(IReadOnlyList<Upload> Items, long Total)> PageAsync(UploadFilter filter, int page, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns}, count(*) OVER ()
            FROM {_uploads}
            WHERE project_id = @project
              AND (@device::uuid IS NULL OR device_id = @device)
              AND (@lineage::uuid IS NULL OR lineage_id = @lineage)
              AND (@table::text IS NULL OR source_table = @table)
              AND (@state::text IS NULL
                   OR (@state = 'expired' AND state = 'granted' AND expires_at <= now())
                   OR (@state = 'granted' AND state = 'granted' AND expires_at > now())
                   OR (@state NOT IN ('expired', 'granted') AND state = @state))
            ORDER BY granted_at DESC, upload_id DESC
            OFFSET @offset LIMIT @limit
            """);
        command.Parameters.AddWithValue("project", filter.ProjectId);
        command.Parameters.Add(new NpgsqlParameter<Guid?>("device", filter.DeviceId) { NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<Guid?>("lineage", filter.LineageId) { NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<string?>("table", filter.SourceTable) { NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?>("state", filter.State) { NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue("offset", (long)(page - 1) * limit);
        command.Parameters.AddWithValue("limit", limit);
        var items = new List<Upload>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(Read(reader));
            total = reader.GetInt64(15);
        }
        return (items, total);
    }

    private Upload Read(NpgsqlDataReader r)
    {
        var state = r.GetString(6);
        var expiresAt = r.GetFieldValue<DateTimeOffset>(9);
        if (state == UploadStates.Granted && expiresAt <= clock.GetUtcNow())
            state = UploadStates.Expired;
        return new Upload(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetGuid(3), r.GetString(4), r.GetString(5), state,
            r.IsDBNull(7) ? null : r.GetInt64(7), r.GetFieldValue<DateTimeOffset>(8), expiresAt,
            r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11),
            r.IsDBNull(12) ? null : r.GetGuid(12), r.IsDBNull(13) ? null : r.GetInt64(13), r.IsDBNull(14) ? null : r.GetString(14));
    }

    /// <summary>A read-only stream over the chunks of one object, fetching the next chunk when the last is used up.</summary>
    private sealed class ChunkStream(UploadStore store, Guid uploadId) : Stream
    {
        private byte[] _chunk = [];
        private int _offset;
        private int _next;
        private bool _ended;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            while (_offset == _chunk.Length)
            {
                if (_ended)
                    return 0;
                if (await store.ChunkAsync(uploadId, _next++, ct) is not { } chunk)
                {
                    _ended = true;
                    return 0;
                }
                (_chunk, _offset) = (chunk, 0);
            }
            var count = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
