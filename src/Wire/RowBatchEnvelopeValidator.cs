using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>
/// The field rules of <c>sync/rows/batch</c>. Rules run in this order and the first failure is
/// the rejection (the protocol's table order; <c>payload_too_large</c>, <c>malformed_json</c> and
/// <c>envelope_unstripped_tenant_fields</c> are checked before, by <see cref="WireJson.TryOpen"/>):
/// <list type="number">
/// <item>invalid_format_version, unsupported_format_version</item>
/// <item>invalid_capture_strategy</item>
/// <item>invalid_batch_id, invalid_journal_epoch</item>
/// <item>invalid_source_table</item>
/// <item>invalid_schema_hash</item>
/// <item>invalid_schema_columns, schema_hash_mismatch</item>
/// <item>empty_batch (rows missing, null or []), batch_too_many_rows</item>
/// <item>invalid_row for the shape of <c>rows</c> itself (not an array, or an entry that is not an object)</item>
/// <item>commit_seq_range_mismatch</item>
/// <item>invalid_op, then invalid_pk, then invalid_row — each over all rows, first failing row wins</item>
/// <item>value_out_of_range: a number in a pk or row that PostgreSQL's numeric cannot hold (<see cref="PgNumeric"/>)</item>
/// </list>
/// </summary>
internal sealed class RowBatchEnvelopeValidator : WireEnvelopeValidator<RowBatchEnvelope>
{
    public static RowBatchEnvelopeValidator Instance { get; } = new();

    private RowBatchEnvelopeValidator()
    {
        AddFormatVersionRules();
        RuleFor(x => x.CaptureStrategy).Check(RejectionCodes.InvalidCaptureStrategy, (_, v) =>
            WireJson.StringOrNull(v) == WireLimits.RowBatchCaptureStrategy ? null
                : $"capture_strategy must be \"{WireLimits.RowBatchCaptureStrategy}\" on sync/rows/batch, not {WireJson.Describe(v)}.");
        RuleFor(x => x.BatchId).Check(RejectionCodes.InvalidBatchId, (_, v) => Uuid7Problem("batch_id", v));
        RuleFor(x => x.JournalEpoch).Check(RejectionCodes.InvalidJournalEpoch, (_, v) => Uuid7Problem("journal_epoch", v));
        AddSourceTableRule();
        AddSchemaHashRule();
        AddSchemaColumnsRules();

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
            if (v.ValueKind != JsonValueKind.Array) return $"rows must be an array of row operations, not {WireJson.Describe(v)}.";
            for (var i = 0; i < envelope.RowItems.Count; i++)
                if (envelope.RowItems[i].ValueKind != JsonValueKind.Object)
                    return $"rows[{i}] must be a JSON object, not {WireJson.Describe(envelope.RowItems[i])}.";
            return null;
        });

        RuleFor(x => x.RowItems).Check(RejectionCodes.CommitSeqRangeMismatch, (envelope, _) => CommitSeqProblem(envelope));
        RuleFor(x => x.RowItems).Check(RejectionCodes.InvalidOp, (envelope, _) => FirstRowProblem(envelope, OpProblem));
        RuleFor(x => x.RowItems).Check(RejectionCodes.InvalidPk, (envelope, _) => FirstRowProblem(envelope, PkProblem));
        RuleFor(x => x.RowItems).Check(RejectionCodes.InvalidRow, (envelope, _) => FirstRowProblem(envelope, RowProblem));
        RuleFor(x => x.RowItems).Check(RejectionCodes.ValueOutOfRange, (envelope, _) => FirstRowProblem(envelope, NumberProblem));
    }

    /// <summary>A <c>commit_seq</c>, <c>first_commit_seq</c> or <c>last_commit_seq</c>: a JSON integer literal in 1..2^63-1.</summary>
    public static bool TryGetCommitSeq(JsonElement value, out long seq) => WireJson.TryGetInt64(value, out seq) && seq >= 1;

    private static string? Uuid7Problem(string field, JsonElement value) =>
        Uuid7.IsValid(WireJson.StringOrNull(value)) ? null
            : $"{field} must be a UUIDv7 string (xxxxxxxx-xxxx-7xxx-[89ab]xxx-xxxxxxxxxxxx), not {WireJson.Describe(value)}.";

    private static string? CommitSeqProblem(RowBatchEnvelope envelope)
    {
        const string Rule = "a positive integer (no fraction or exponent) that fits 64 bits";
        if (!TryGetCommitSeq(envelope.FirstCommitSeq, out var first))
            return $"first_commit_seq must be {Rule}, not {WireJson.Describe(envelope.FirstCommitSeq)}.";
        if (!TryGetCommitSeq(envelope.LastCommitSeq, out var last))
            return $"last_commit_seq must be {Rule}, not {WireJson.Describe(envelope.LastCommitSeq)}.";

        var rows = envelope.RowFields;
        long previous = 0, firstRow = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var element = rows[i].CommitSeq;
            if (!TryGetCommitSeq(element, out var seq))
                return $"rows[{i}].commit_seq must be {Rule}, not {WireJson.Describe(element)}.";
            if (i > 0 && seq <= previous)
                return $"rows[{i}].commit_seq {seq} is not greater than rows[{i - 1}].commit_seq {previous}; commit_seq must be strictly increasing within a batch.";
            if (i == 0)
                firstRow = seq;
            previous = seq;
        }

        if (first != firstRow)
            return $"first_commit_seq {first} differs from rows[0].commit_seq {firstRow}.";
        if (last != previous)
            return $"last_commit_seq {last} differs from rows[{rows.Count - 1}].commit_seq {previous}.";
        return null;
    }

    private static string? FirstRowProblem(RowBatchEnvelope envelope, Func<RowBatchEnvelope, RowFields, int, string?> problem)
    {
        var rows = envelope.RowFields;
        for (var i = 0; i < rows.Count; i++)
            if (problem(envelope, rows[i], i) is { } detail)
                return detail;
        return null;
    }

    private static string? OpProblem(RowBatchEnvelope envelope, RowFields row, int index) =>
        row.KnownOp is not null ? null
            : $"rows[{index}].op must be \"insert\", \"update\" or \"delete\", not {WireJson.Describe(row.Op)}.";

    private static string? PkProblem(RowBatchEnvelope envelope, RowFields row, int index)
    {
        var pk = row.Pk;
        if (pk.ValueKind != JsonValueKind.Object || IsEmpty(pk))
            return $"rows[{index}].pk must be a non-empty JSON object of primary-key column to value, not {(pk.ValueKind == JsonValueKind.Object ? "an empty object" : WireJson.Describe(pk))}.";
        if (NonScalarMember(pk) is { } nested)
            return $"rows[{index}].pk.{WireJson.Truncate(nested)} must be a JSON string, number, boolean or null, not an object or array.";

        if (envelope.KeyNames is { } expected && !NamesExactly(pk, expected))
        {
            var actual = pk.EnumerateObject().Select(p => p.Name);
            return $"rows[{index}].pk must name exactly the primary-key columns of schema_columns ({NameList(envelope.Schema.Fingerprint!.PrimaryKey.Select(c => c.Name))}), but names ({NameList(actual)}).";
        }
        return null;
    }

    private static string? RowProblem(RowBatchEnvelope envelope, RowFields row, int index)
    {
        var value = row.Row;
        if (row.KnownOp == RowOperation.Delete)
            return WireJson.IsAbsentOrNull(value) ? null
                : $"rows[{index}].row must be null for a delete, not {WireJson.Describe(value)}.";

        if (value.ValueKind != JsonValueKind.Object || IsEmpty(value))
            return $"rows[{index}].row must be a JSON object with the full row for an {row.KnownOp}, not {(value.ValueKind == JsonValueKind.Object ? "an empty object" : WireJson.Describe(value))}.";
        if (NonScalarMember(value) is { } nested)
            return $"rows[{index}].row.{WireJson.Truncate(nested)} must be a JSON string, number, boolean or null, not an object or array.";

        if (envelope.ColumnNames is { } columns)
            foreach (var property in value.EnumerateObject())
                if (!columns.Contains(property.Name))
                    return $"rows[{index}].row has the column \"{WireJson.Truncate(property.Name)}\", which is not in schema_columns.";
        return null;
    }

    /// <summary>The rules before this one made pk an object and row an object or null.</summary>
    private static string? NumberProblem(RowBatchEnvelope envelope, RowFields row, int index) =>
        OutOfRangeMember(row.Pk, $"rows[{index}].pk")
        ?? (row.Row.ValueKind == JsonValueKind.Object ? OutOfRangeMember(row.Row, $"rows[{index}].row") : null);

    private static string? OutOfRangeMember(JsonElement obj, string path)
    {
        foreach (var property in obj.EnumerateObject())
            if (property.Value.ValueKind == JsonValueKind.Number && !PgNumeric.Fits(property.Value.GetRawText()))
                return $"{path}.{WireJson.Truncate(property.Name)} is {WireJson.Describe(property.Value)}, which PostgreSQL's numeric cannot hold "
                    + $"(at most {PgNumeric.MaxWeight + 1} digits before the decimal point and {PgNumeric.MaxScale} after it, exponent applied).";
        return null;
    }

    private static bool IsEmpty(JsonElement obj)
    {
        using var members = obj.EnumerateObject();
        return !members.MoveNext();
    }

    /// <summary>Whether the object's member names are exactly <paramref name="expected"/> (member names are unique: the parser refuses duplicates).</summary>
    private static bool NamesExactly(JsonElement obj, HashSet<string> expected)
    {
        var count = 0;
        foreach (var property in obj.EnumerateObject())
        {
            if (!expected.Contains(property.Name))
                return false;
            count++;
        }
        return count == expected.Count;
    }

    private static string? NonScalarMember(JsonElement obj)
    {
        foreach (var property in obj.EnumerateObject())
            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                return property.Name;
        return null;
    }

    private static string NameList(IEnumerable<string> names) =>
        string.Join(", ", names.Select(n => WireJson.Truncate(n, 40)));
}
