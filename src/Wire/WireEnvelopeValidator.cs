using System.Text.Json;
using FluentValidation;

namespace EdgeSync.Wire;

/// <summary>
/// The field rules the wire messages share (format_version, source_table, schema_hash,
/// schema_columns). A derived validator declares its rules in the order of the protocol's rejection
/// table by calling these methods in that order; evaluation stops at the first failing rule, whose
/// code is the rejection.
/// </summary>
internal abstract class WireEnvelopeValidator<T> : AbstractValidator<T> where T : WireEnvelope
{
    protected WireEnvelopeValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
    }

    /// <summary><c>invalid_format_version</c> then <c>unsupported_format_version</c>.</summary>
    protected void AddFormatVersionRules()
    {
        RuleFor(x => x.FormatVersion).Check(RejectionCodes.InvalidFormatVersion, (_, v) => FormatVersionProblem(v));
        RuleFor(x => x.FormatVersion).Check(RejectionCodes.UnsupportedFormatVersion, (_, v) =>
            v.GetRawText() == "1" ? null
                : $"format_version {WireJson.Truncate(v.GetRawText())} is newer than the supported version {WireLimits.FormatVersion}.");
    }

    /// <summary><c>invalid_source_table</c>.</summary>
    protected void AddSourceTableRule() =>
        RuleFor(x => x.SourceTable).Check(RejectionCodes.InvalidSourceTable, (_, v) => SourceTableProblem(v));

    /// <summary><c>invalid_schema_hash</c>.</summary>
    protected void AddSchemaHashRule() =>
        RuleFor(x => x.SchemaHash).Check(RejectionCodes.InvalidSchemaHash, (_, v) =>
            IsSchemaHash(WireJson.StringOrNull(v)) ? null
                : $"schema_hash must be 64 lowercase hexadecimal characters (a SHA-256), not {WireJson.Describe(v)}.");

    /// <summary><c>invalid_schema_columns</c> (shape, then table name = source_table) then <c>schema_hash_mismatch</c>.</summary>
    protected void AddSchemaColumnsRules()
    {
        RuleFor(x => x.SchemaColumns).Check(RejectionCodes.InvalidSchemaColumns, (envelope, _) =>
        {
            var schema = envelope.Schema;
            if (!schema.Present) return null;
            if (schema.Problem is not null) return schema.Problem;
            var sourceTable = envelope.SourceTable.GetString();
            return string.Equals(schema.Fingerprint!.TableName, sourceTable, StringComparison.Ordinal) ? null
                : $"schema_columns.table_name \"{WireJson.Truncate(schema.Fingerprint.TableName)}\" differs from source_table \"{WireJson.Truncate(sourceTable ?? "")}\".";
        });
        RuleFor(x => x.SchemaColumns).Check(RejectionCodes.SchemaHashMismatch, (envelope, _) =>
        {
            if (envelope.Schema.Fingerprint is not { } fingerprint) return null;
            var computed = fingerprint.ComputeHash();
            var sent = envelope.SchemaHash.GetString();
            return string.Equals(computed, sent, StringComparison.Ordinal) ? null
                : $"schema_hash {sent} does not match the hash of schema_columns, which is {computed}.";
        });
    }

    private static string? FormatVersionProblem(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Undefined) return "format_version is missing.";
        if (!WireJson.IsIntegerLiteral(value))
            return $"format_version must be an integer, not {WireJson.Describe(value)}.";
        var raw = value.GetRawText();
        return raw.StartsWith('-') || raw == "0"
            ? $"format_version must be {WireLimits.FormatVersion}, not {WireJson.Truncate(raw)}."
            : null;
    }

    private static string? SourceTableProblem(JsonElement value) =>
        value.ValueKind != JsonValueKind.String
            ? $"source_table must be a string, not {WireJson.Describe(value)}."
            : SourceTableName.Problem(value.GetString()!);

    private static bool IsSchemaHash(string? value) =>
        value is { Length: 64 } && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
