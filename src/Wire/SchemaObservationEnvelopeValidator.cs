namespace EdgeSync.Wire;

/// <summary>
/// The field rules of <c>sync/schema/observe</c>, the same rules as a row batch for the fields they
/// share. Order (first failure wins; payload_too_large, malformed_json and
/// envelope_unstripped_tenant_fields are checked before, by <see cref="WireJson.TryOpen"/>):
/// invalid_format_version, unsupported_format_version, invalid_source_table, invalid_schema_hash,
/// invalid_schema_columns, schema_hash_mismatch, and last invalid_observed_at (a code the protocol's original
/// table does not have).
/// </summary>
internal sealed class SchemaObservationEnvelopeValidator : WireEnvelopeValidator<SchemaObservationEnvelope>
{
    public static SchemaObservationEnvelopeValidator Instance { get; } = new();

    private SchemaObservationEnvelopeValidator()
    {
        AddFormatVersionRules();
        AddSourceTableRule();
        AddSchemaHashRule();
        AddSchemaColumnsRules();
        RuleFor(x => x.ObservedAt).Check(RejectionCodes.InvalidObservedAt, (_, v) =>
            Rfc3339.TryParse(WireJson.StringOrNull(v), out DateTimeOffset _) ? null
                : $"observed_at must be an RFC 3339 timestamp such as \"2025-01-31T12:00:00Z\", not {WireJson.Describe(v)}.");
    }
}
