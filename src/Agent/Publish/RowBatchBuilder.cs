using System.Buffers;
using System.Text.Json;
using EdgeSync.Agent.Capture;
using EdgeSync.Wire;

namespace EdgeSync.Agent.Publish;

/// <summary>
/// Builds one <c>sync/rows/batch</c> (docs/device-protocol.md) from a table's journal rows: the longest
/// run of rows that share a schema hash and fit in 4,096 rows and 512 KiB. commit_seq are the
/// journal's global sequence numbers, strictly increasing, with gaps where other tables' changes
/// were journaled.
/// </summary>
public static class RowBatchBuilder
{
    public static int MaxRows => WireLimits.MaxRowsPerBatch;
    public static int MaxBytes => WireLimits.MaxPayloadBytes;

    /// <param name="rows">Journal rows of <paramref name="table"/>, oldest first (not empty).</param>
    /// <param name="fingerprintOf">The canonical fingerprint JSON of a schema hash, or null when unknown.</param>
    /// <param name="schemaSentHash">The hash whose columns the cloud already got; another hash sends <c>schema_columns</c>.</param>
    /// <param name="batchId">The id to use (a retry of a batch in flight keeps its id); null: a new UUIDv7.</param>
    /// <param name="takeAll">Use every row given (a retry rebuilds exactly the batch in flight).</param>
    /// <param name="onBadRow">Called for a journal row that cannot be encoded; it is left out.</param>
    public static RowBatchPayload? Build(string table, string journalEpoch, IReadOnlyList<JournalRow> rows, Func<string, string?> fingerprintOf,
        string? schemaSentHash, string? batchId = null, bool takeAll = false, Action<JournalRow, Exception>? onBadRow = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(rows.Count);
        batchId ??= Guid.CreateVersion7().ToString();
        var hash = rows[0].SchemaHash;
        var fingerprint = hash == schemaSentHash ? null : fingerprintOf(hash);

        var header = Envelope(batchId, journalEpoch, table, hash, fingerprint, long.MaxValue, long.MaxValue, []).Length;
        var encoded = new List<(JournalRow Row, byte[] Json)>();
        long size = header;
        var lastConsidered = rows[0].CommitSeq - 1;
        foreach (var row in rows)
        {
            if (row.SchemaHash != hash || (!takeAll && encoded.Count >= MaxRows))
                break;
            byte[] json;
            try
            {
                json = EncodeRow(row);
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                onBadRow?.Invoke(row, e);
                lastConsidered = row.CommitSeq;
                continue;
            }
            var added = json.Length + (encoded.Count > 0 ? 1 : 0);
            if (!takeAll && encoded.Count > 0 && size + added > MaxBytes)
                break;
            encoded.Add((row, json));
            size += added;
            lastConsidered = row.CommitSeq;
        }
        if (encoded.Count == 0)
            return lastConsidered >= rows[0].CommitSeq
                ? new RowBatchPayload(batchId, [], 0, 0, 0, hash, false, lastConsidered)
                : null;

        var first = encoded[0].Row.CommitSeq;
        var last = encoded[^1].Row.CommitSeq;
        var payload = Envelope(batchId, journalEpoch, table, hash, fingerprint, first, last, encoded.Select(e => e.Json));
        return new RowBatchPayload(batchId, payload, first, last, encoded.Count, hash, fingerprint is not null, lastConsidered);
    }

    /// <summary><c>{"commit_seq":…,"op":…,"pk":{…},"row":{…}|null}</c></summary>
    public static byte[] EncodeRow(JournalRow row)
    {
        if (row.Op is not (RowOperation.Insert or RowOperation.Update or RowOperation.Delete))
            throw new InvalidOperationException($"unknown op '{row.Op}'");
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WireValues.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("commit_seq", row.CommitSeq);
            writer.WriteString("op", row.Op);
            writer.WritePropertyName("pk");
            WireValues.WriteObject(writer, row.PkJson);
            writer.WritePropertyName("row");
            if (row.Op == RowOperation.Delete || row.RowJson is null)
                writer.WriteNullValue();
            else
                WireValues.WriteObject(writer, row.RowJson);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Envelope(string batchId, string epoch, string table, string hash, string? fingerprint, long first, long last, IEnumerable<byte[]> rows)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WireValues.WriterOptions))
        {
            RowBatchWriter.WriteStart(writer, batchId, epoch, table, hash, fingerprint, first, last);
            foreach (var row in rows)
                writer.WriteRawValue(row, skipInputValidation: true);
            RowBatchWriter.WriteEnd(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
