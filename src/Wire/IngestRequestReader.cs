namespace EdgeSync.Wire;

/// <summary>Reads and validates a <c>sync/ingest/request</c> payload; never throws for device input.</summary>
public static class IngestRequestReader
{
    public static WireResult<IngestRequest> Read(ReadOnlyMemory<byte> payload)
    {
        if (WireJson.TryOpen(payload, out var document) is { } rejection)
            return WireResult<IngestRequest>.Rejected(rejection);

        using (document)
        {
            var envelope = new IngestRequestEnvelope(document!.RootElement);
            if (IngestRequestEnvelopeValidator.Instance.Validate(envelope).FirstRejection() is { } invalid)
                return WireResult<IngestRequest>.Rejected(invalid);
            var finalize = envelope.IsFinalize;
            return WireResult<IngestRequest>.Accepted(new IngestRequest(
                envelope.RequestKind.GetString()!,
                envelope.SourceTable.GetString()!,
                envelope.SegmentKind.GetString()!,
                finalize ? Guid.ParseExact(envelope.UploadId.GetString()!, "D") : null,
                finalize ? Guid.ParseExact(envelope.BatchId.GetString()!, "D") : null));
        }
    }
}
