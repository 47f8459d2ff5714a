namespace EdgeSync.Wire;

/// <summary>Reads and validates a <c>sync/schema/observe</c> payload.</summary>
public static class SchemaObservationReader
{
    /// <summary>
    /// The observation, or the rejection of the first check that fails. Order: payload_too_large
    /// (more than 512 KiB, before parsing), malformed_json, envelope_unstripped_tenant_fields,
    /// invalid_format_version, unsupported_format_version, invalid_source_table,
    /// invalid_schema_hash, invalid_schema_columns, schema_hash_mismatch, invalid_observed_at.
    /// Never throws for device input.
    /// </summary>
    public static WireResult<SchemaObservation> Read(ReadOnlyMemory<byte> payload)
    {
        if (WireJson.TryOpen(payload, out var document) is { } rejection)
            return WireResult<SchemaObservation>.Rejected(rejection);

        using (document)
        {
            var envelope = new SchemaObservationEnvelope(document!.RootElement);
            if (SchemaObservationEnvelopeValidator.Instance.Validate(envelope).FirstRejection() is { } invalid)
                return WireResult<SchemaObservation>.Rejected(invalid);

            // The validator accepted observed_at, so it parses.
            _ = Rfc3339.TryParse(envelope.ObservedAt.GetString(), out var observedAt);
            return WireResult<SchemaObservation>.Accepted(new SchemaObservation(
                envelope.SourceTable.GetString()!,
                envelope.SchemaHash.GetString()!,
                observedAt,
                envelope.Schema.Fingerprint));
        }
    }
}
