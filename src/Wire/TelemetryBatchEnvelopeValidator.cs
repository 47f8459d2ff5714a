using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>
/// The field rules of <c>sync/telemetry/batch</c>, in this order (the first failure is the
/// rejection; <c>payload_too_large</c>, <c>malformed_json</c> and
/// <c>envelope_unstripped_tenant_fields</c> are checked before, by <see cref="WireJson.TryOpen"/>):
/// <list type="number">
/// <item>invalid_format_version, unsupported_format_version</item>
/// <item>invalid_capture_strategy (not <c>sqlite_telemetry_batch_v1</c>)</item>
/// <item>invalid_batch_id, invalid_batch_seq</item>
/// <item>invalid_source_table</item>
/// <item>invalid_schema_hash, invalid_schema_columns, schema_hash_mismatch</item>
/// <item>invalid_timestamp_column (after the columns: it must be one of them when they are sent)</item>
/// <item>empty_batch, batch_too_many_rows, row_count_mismatch</item>
/// <item>invalid_row for an entry that is not an object</item>
/// <item>invalid_row_ts, cursor_timestamp_mismatch</item>
/// <item>invalid_row_id, invalid_row (fields), invalid_number_encoding — each over all rows</item>
/// </list>
/// </summary>
internal sealed class TelemetryBatchEnvelopeValidator : WireEnvelopeValidator<TelemetryBatchEnvelope>
{
    public static TelemetryBatchEnvelopeValidator Instance { get; } = new();

    private TelemetryBatchEnvelopeValidator()
    {
        AddFormatVersionRules();
        RuleFor(x => x.CaptureStrategy).Check(RejectionCodes.InvalidCaptureStrategy, (_, v) =>
            WireJson.StringOrNull(v) == WireLimits.TelemetryBatchCaptureStrategy ? null
                : $"capture_strategy must be \"{WireLimits.TelemetryBatchCaptureStrategy}\" on sync/telemetry/batch, not {WireJson.Describe(v)}.");
        RuleFor(x => x.BatchId).Check(RejectionCodes.InvalidBatchId, (_, v) =>
            Uuid7.IsValid(WireJson.StringOrNull(v)) ? null
                : $"batch_id must be a UUIDv7 string (xxxxxxxx-xxxx-7xxx-[89ab]xxx-xxxxxxxxxxxx), not {WireJson.Describe(v)}.");
        RuleFor(x => x.BatchSeq).Check(RejectionCodes.InvalidBatchSeq, (_, v) =>
            WireJson.TryGetInt64(v, out var seq) && seq is >= 0 and <= WireLimits.MaxBatchSeq ? null
                : $"batch_seq must be an integer (no fraction or exponent) from 0 to {WireLimits.MaxBatchSeq}, not {WireJson.Describe(v)}.");
        AddSourceTableRule();
        AddSchemaHashRule();
        AddSchemaColumnsRules();
        RuleFor(x => x.TimestampColumn).Check(RejectionCodes.InvalidTimestampColumn, (envelope, v) => TimestampColumnProblem(envelope, v));

        RuleFor(x => x.Rows).Check(RejectionCodes.EmptyBatch, (_, v) =>
            WireJson.IsAbsentOrNull(v) ? $"rows is {WireJson.Describe(v)}; a batch carries at least one row."
            : v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0 ? "rows is empty; a batch carries at least one row."
            : null);
        RuleFor(x => x.Rows).Check(RejectionCodes.BatchTooManyRows, (_, v) =>
            v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > WireLimits.MaxRowsPerBatch
                ? $"rows has {v.GetArrayLength()} entries; at most {WireLimits.MaxRowsPerBatch} are allowed per batch."
                : null);
        RuleFor(x => x.Rows).Check(RejectionCodes.InvalidRow, (envelope, v) =>
        {
            if (v.ValueKind != JsonValueKind.Array) return $"rows must be an array of telemetry rows, not {WireJson.Describe(v)}.";
            for (var i = 0; i < envelope.RowItems.Count; i++)
                if (envelope.RowItems[i].ValueKind != JsonValueKind.Object)
                    return $"rows[{i}] must be a JSON object, not {WireJson.Describe(envelope.RowItems[i])}.";
            return null;
        });
        RuleFor(x => x.RowCount).Check(RejectionCodes.RowCountMismatch, (envelope, v) =>
            WireJson.TryGetInt64(v, out var count) && count == envelope.RowItems.Count ? null
                : $"row_count must equal the number of rows ({envelope.RowItems.Count}), not {WireJson.Describe(v)}.");

        RuleFor(x => x.RowItems).Check(RejectionCodes.InvalidRowTs, (envelope, _) => FirstRowProblem(envelope, TsProblem));
        RuleFor(x => x.RowItems).Check(RejectionCodes.CursorTimestampMismatch, (envelope, _) => CursorProblem(envelope));
        RuleFor(x => x.RowItems).Check(RejectionCodes.InvalidRowId, (envelope, _) => FirstRowProblem(envelope, RowIdProblem));
        RuleFor(x => x.RowItems).Check(RejectionCodes.InvalidRow, (envelope, _) => FirstRowProblem(envelope, FieldsProblem));
        RuleFor(x => x.RowItems).Check(RejectionCodes.InvalidNumberEncoding, (envelope, _) => FirstRowProblem(envelope, NumberProblem));
    }

    private static string? TimestampColumnProblem(TelemetryBatchEnvelope envelope, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
            return $"timestamp_column must be a string naming the table's timestamp column, not {WireJson.Describe(value)}.";
        var name = value.GetString()!;
        if (name.Length == 0)
            return "timestamp_column is empty.";
        if (Encoding.UTF8.GetByteCount(name) > WireLimits.MaxSourceTableBytes)
            return $"timestamp_column is longer than {WireLimits.MaxSourceTableBytes} bytes in UTF-8.";
        if (name.Any(char.IsControl))
            return "timestamp_column contains a control character.";
        if (envelope.ColumnNames is { } columns && !columns.Contains(name))
            return $"timestamp_column \"{WireJson.Truncate(name)}\" is not a column of schema_columns.";
        return null;
    }

    private static string? FirstRowProblem(TelemetryBatchEnvelope envelope, Func<TelemetryBatchEnvelope, TelemetryRowFields, int, string?> problem)
    {
        var rows = envelope.RowFields;
        for (var i = 0; i < rows.Count; i++)
            if (problem(envelope, rows[i], i) is { } detail)
                return detail;
        return null;
    }

    private static string? TsProblem(TelemetryBatchEnvelope envelope, TelemetryRowFields row, int index) =>
        Rfc3339.TryParse(WireJson.StringOrNull(row.Ts), out envelope.Times[index]) ? null
            : $"rows[{index}].ts must be an RFC 3339 time (YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)), not {WireJson.Describe(row.Ts)}.";

    /// <summary>The cursors are compared as instants: the same time written with another offset matches.</summary>
    private static string? CursorProblem(TelemetryBatchEnvelope envelope)
    {
        if (!Rfc3339.TryParse(WireJson.StringOrNull(envelope.CursorStartTs), out var start))
            return $"cursor_start_ts must be an RFC 3339 time, not {WireJson.Describe(envelope.CursorStartTs)}.";
        if (!Rfc3339.TryParse(WireJson.StringOrNull(envelope.CursorEndTs), out var end))
            return $"cursor_end_ts must be an RFC 3339 time, not {WireJson.Describe(envelope.CursorEndTs)}.";
        var times = envelope.Times;
        DateTimeOffset min = times.Min(), max = times.Max();
        if (start != min)
            return $"cursor_start_ts {WireJson.Truncate(envelope.CursorStartTs.GetString()!)} differs from the earliest row ts, {min:O}.";
        if (end != max)
            return $"cursor_end_ts {WireJson.Truncate(envelope.CursorEndTs.GetString()!)} differs from the latest row ts, {max:O}.";
        return null;
    }

    private static string? RowIdProblem(TelemetryBatchEnvelope envelope, TelemetryRowFields row, int index) =>
        WireJson.IsAbsentOrNull(row.RowId) || WireJson.TryGetInt64(row.RowId, out _) ? null
            : $"rows[{index}].row_id must be an integer that fits 64 bits when present, not {WireJson.Describe(row.RowId)}.";

    /// <summary>Reads each row's fields once (kept for the number rule and the reader); a name is checked once per batch.</summary>
    private static string? FieldsProblem(TelemetryBatchEnvelope envelope, TelemetryRowFields row, int index)
    {
        var fields = row.Fields;
        if (fields.ValueKind != JsonValueKind.Object)
            return $"rows[{index}].fields must be a JSON object of column to value, not {WireJson.Describe(fields)}.";
        var read = WireObject.From(fields, envelope.Names);
        envelope.FieldObjects[index] = read;
        var timestampColumn = envelope.TimestampColumn.GetString();
        for (var i = 0; i < read.Count; i++)
        {
            var name = read.Names[i];
            if (read.Values[i].Kind is JsonValueKind.Object or JsonValueKind.Array)
                return $"rows[{index}].fields.{WireJson.Truncate(name)} must be a JSON string, number, boolean or null, not an object or array.";
            if (envelope.NamesPassed.Contains(name))
                continue;
            if (name == timestampColumn)
                return $"rows[{index}].fields holds the timestamp column \"{WireJson.Truncate(name)}\"; its value is the row's ts.";
            if (envelope.ColumnNames is { } columns && !columns.Contains(name))
                return $"rows[{index}].fields has the column \"{WireJson.Truncate(name)}\", which is not in schema_columns.";
            envelope.NamesPassed.Add(name);
        }
        return null;
    }

    /// <summary>Numbers must be finite doubles: a literal beyond double's range (1e400) has no value a time series can keep.</summary>
    private static string? NumberProblem(TelemetryBatchEnvelope envelope, TelemetryRowFields row, int index)
    {
        var read = envelope.FieldObjects[index]!;
        for (var i = 0; i < read.Count; i++)
            if (read.Values[i] is { Kind: JsonValueKind.Number, Text: var text }
                && !(double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)))
                return $"rows[{index}].fields.{WireJson.Truncate(read.Names[i])} is the number {WireJson.Truncate(text!)}, which is not a finite number.";
        return null;
    }
}
