using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>
/// The reference reader of <c>sync/rows/batch</c>: <see cref="JsonDocument"/>, then
/// <see cref="RowBatchEnvelopeValidator"/>, then the rows. It defines what is accepted and every
/// rejection (code, detail and order, see <see cref="RowBatchReader.Read"/>);
/// <see cref="RowBatchFastPath"/> only takes over the batches it can prove this reader accepts.
/// </summary>
internal static class RowBatchReferenceReader
{
    public static WireResult<RowBatch> Read(ReadOnlyMemory<byte> payload, int maxBytes = WireLimits.MaxPayloadBytes)
    {
        if (WireJson.TryOpen(payload, maxBytes, out var document) is { } rejection)
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
