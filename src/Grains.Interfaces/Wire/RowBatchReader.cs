namespace EdgeSync.Wire;

/// <summary>Reads and validates a <c>sync/rows/batch</c> payload.</summary>
public static class RowBatchReader
{
    /// <summary>
    /// The batch, or the rejection of the first check that fails. Order: payload_too_large
    /// (before parsing), malformed_json, envelope_unstripped_tenant_fields, then the field rules
    /// in the spec's table order (see <see cref="RowBatchEnvelopeValidator"/>). Never throws for
    /// device input.
    /// </summary>
    public static WireResult<RowBatch> Read(ReadOnlyMemory<byte> payload)
    {
        if (WireJson.TryOpen(payload, out var document) is { } rejection)
            return WireResult<RowBatch>.Rejected(rejection);

        using (document)
        {
            var envelope = new RowBatchEnvelope(document!.RootElement);
            if (RowBatchEnvelopeValidator.Instance.Validate(envelope).FirstRejection() is { } invalid)
                return WireResult<RowBatch>.Rejected(invalid);

            var fields = envelope.RowFields;
            var rows = new RowOperation[fields.Count];
            WireNames pkNames = new(), rowNames = new();
            for (var i = 0; i < rows.Length; i++)
            {
                var row = fields[i];
                var op = row.KnownOp!;
                var isDelete = op == RowOperation.Delete;
                rows[i] = new RowOperation(
                    row.CommitSeq.GetInt64(),
                    op,
                    row.Pk.GetRawText(),
                    isDelete ? null : row.Row.GetRawText(),
                    WireObject.From(row.Pk, pkNames),
                    isDelete ? null : WireObject.From(row.Row, rowNames));
            }

            return WireResult<RowBatch>.Accepted(new RowBatch(
                Guid.ParseExact(envelope.BatchId.GetString()!, "D"),
                Guid.ParseExact(envelope.JournalEpoch.GetString()!, "D"),
                envelope.SourceTable.GetString()!,
                envelope.SchemaHash.GetString()!,
                envelope.Schema.Fingerprint,
                envelope.FirstCommitSeq.GetInt64(),
                envelope.LastCommitSeq.GetInt64(),
                rows.AsReadOnly(),
                payload.Length));
        }
    }
}
