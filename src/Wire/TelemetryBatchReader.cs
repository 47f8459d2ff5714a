namespace EdgeSync.Wire;

/// <summary>Reads and validates a <c>sync/telemetry/batch</c> payload.</summary>
public static class TelemetryBatchReader
{
    /// <summary>
    /// The batch, or the rejection of the first check that fails: payload_too_large (before
    /// parsing), malformed_json, envelope_unstripped_tenant_fields, then the field rules of
    /// <see cref="TelemetryBatchEnvelopeValidator"/> in their order. Never throws for device input.
    /// </summary>
    public static WireResult<TelemetryBatch> Read(ReadOnlyMemory<byte> payload)
    {
        if (WireJson.TryOpen(payload, out var document) is { } rejection)
            return WireResult<TelemetryBatch>.Rejected(rejection);

        using (document)
        {
            var envelope = new TelemetryBatchEnvelope(document!.RootElement);
            if (TelemetryBatchEnvelopeValidator.Instance.Validate(envelope).FirstRejection() is { } invalid)
                return WireResult<TelemetryBatch>.Rejected(invalid);

            // The validator accepted every time and number read below.
            var fields = envelope.RowFields;
            var rows = new TelemetryRow[fields.Count];
            for (var i = 0; i < rows.Length; i++)
            {
                var r = fields[i];
                rows[i] = new TelemetryRow(r.Ts.GetString()!, WireJson.TryGetInt64(r.RowId, out var rowId) ? rowId : null,
                    r.Fields.GetRawText(), envelope.FieldObjects[i]!);
            }
            _ = Rfc3339.TryParse(envelope.CursorStartTs.GetString(), out var start);
            _ = Rfc3339.TryParse(envelope.CursorEndTs.GetString(), out var end);
            return WireResult<TelemetryBatch>.Accepted(new TelemetryBatch(
                Guid.ParseExact(envelope.BatchId.GetString()!, "D"),
                envelope.BatchSeq.GetInt64(),
                envelope.SourceTable.GetString()!,
                envelope.TimestampColumn.GetString()!,
                envelope.SchemaHash.GetString()!,
                envelope.Schema.Fingerprint,
                start,
                end,
                rows.AsReadOnly(),
                payload.Length));
        }
    }
}
