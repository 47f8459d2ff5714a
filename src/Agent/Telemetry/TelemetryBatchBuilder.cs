using System.Buffers;
using System.Text.Json;
using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Publish;
using EdgeSync.Wire;

namespace EdgeSync.Agent.Telemetry;

/// <summary>
/// Builds one <c>sync/telemetry/batch</c> from a telemetry table's rows, oldest first: as many as
/// fit in 4,096 rows and 512 KiB. Each row is <c>{ ts, row_id, fields }</c> — <c>ts</c> the
/// timestamp column read as RFC 3339 UTC, <c>row_id</c> the rowid, <c>fields</c> every other
/// column; <c>cursor_start_ts</c>/<c>cursor_end_ts</c> are the smallest and largest <c>ts</c>. A row
/// whose timestamp cannot be read, or that alone would exceed 512 KiB, can never be sent: it is
/// left out (reported through <c>onSkipped</c>) and the cursor moves past it with the batch.
/// </summary>
public static class TelemetryBatchBuilder
{
    public static int MaxRows => WireLimits.MaxRowsPerBatch;
    public static int MaxBytes => WireLimits.MaxPayloadBytes;

    /// <param name="rows">Rows after the cursor, oldest first (not empty).</param>
    /// <param name="fingerprintJson">The canonical fingerprint to send as <c>schema_columns</c>, or null when the cloud has it.</param>
    /// <param name="takeAll">Use every row given (a retry rebuilds exactly the batch in flight).</param>
    public static TelemetryBatchPayload Build(TelemetryTable table, IReadOnlyList<CursorRow> rows, string batchId, long batchSeq, string? fingerprintJson,
        bool takeAll = false, Action<CursorRow, string>? onSkipped = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(rows.Count);
        var header = Envelope(table, batchId, batchSeq, fingerprintJson, "0000-00-00T00:00:00.0000000Z", "0000-00-00T00:00:00.0000000Z", int.MaxValue, []).Length;
        var tsIndex = table.TimestampIndex;
        var encoded = new List<byte[]>();
        DateTimeOffset? min = null, max = null;
        long size = header;
        var lastConsidered = rows[0].RowId - 1;
        var skipped = 0;
        foreach (var row in rows)
        {
            if (!takeAll && encoded.Count >= MaxRows)
                break;
            if (!TelemetryTimestamp.TryRead(row.Values[tsIndex], out var ts))
            {
                onSkipped?.Invoke(row, $"its {table.TimestampColumn} value {Describe(row.Values[tsIndex])} is not RFC 3339, YYYY-MM-DD HH:MM:SS[.fff] or Unix seconds");
                skipped++;
                lastConsidered = row.RowId;
                continue;
            }
            var json = EncodeRow(table, row, ts);
            var added = json.Length + (encoded.Count > 0 ? 1 : 0);
            if (header + json.Length > MaxBytes)
            {
                onSkipped?.Invoke(row, $"it is {json.Length} bytes encoded, more than a {MaxBytes}-byte telemetry batch can carry");
                skipped++;
                lastConsidered = row.RowId;
                continue;
            }
            if (!takeAll && size + added > MaxBytes)
                break;
            encoded.Add(json);
            size += added;
            min = min is null || ts < min ? ts : min;
            max = max is null || ts > max ? ts : max;
            lastConsidered = row.RowId;
        }
        var hash = table.Shape.Hash;
        if (encoded.Count == 0)
            return new TelemetryBatchPayload(batchId, batchSeq, [], 0, lastConsidered, skipped, hash, false, null, null);
        var start = TelemetryTimestamp.Format(min!.Value);
        var end = TelemetryTimestamp.Format(max!.Value);
        var payload = Envelope(table, batchId, batchSeq, fingerprintJson, start, end, encoded.Count, encoded);
        return new TelemetryBatchPayload(batchId, batchSeq, payload, encoded.Count, lastConsidered, skipped, hash, fingerprintJson is not null, start, end);
    }

    /// <summary><c>{"ts":…,"row_id":…,"fields":{…}}</c></summary>
    public static byte[] EncodeRow(TelemetryTable table, CursorRow row, DateTimeOffset ts)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WireValues.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("ts", TelemetryTimestamp.Format(ts));
            writer.WriteNumber("row_id", row.RowId);
            writer.WriteStartObject("fields");
            for (var i = 0; i < table.Columns.Count; i++)
            {
                if (i == table.TimestampIndex)
                    continue;
                writer.WritePropertyName(table.Columns[i]);
                WireValues.WriteValue(writer, row.Values[i]);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Envelope(TelemetryTable table, string batchId, long batchSeq, string? fingerprintJson, string start, string end, int rowCount,
        IEnumerable<byte[]> rows)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WireValues.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("format_version", WireLimits.FormatVersion);
            writer.WriteString("capture_strategy", WireLimits.TelemetryBatchCaptureStrategy);
            writer.WriteString("batch_id", batchId);
            writer.WriteNumber("batch_seq", batchSeq);
            writer.WriteString("source_table", table.Name);
            writer.WriteString("timestamp_column", table.TimestampColumn);
            writer.WriteString("schema_hash", table.Shape.Hash);
            if (fingerprintJson is not null)
            {
                writer.WritePropertyName("schema_columns");
                writer.WriteRawValue(fingerprintJson);
            }
            writer.WriteString("cursor_start_ts", start);
            writer.WriteString("cursor_end_ts", end);
            writer.WriteNumber("row_count", rowCount);
            writer.WriteStartArray("rows");
            foreach (var row in rows)
                writer.WriteRawValue(row, skipInputValidation: true);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static string Describe(object? value) => value switch
    {
        null => "NULL",
        string text => "'" + (text.Length > 40 ? text[..40] + "…" : text) + "'",
        byte[] blob => $"(a {blob.Length}-byte BLOB)",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };
}
