namespace EdgeSync.Wire;

/// <summary>Reads and validates a <c>sync/ingest/ack</c> payload.</summary>
public static class ControlAckReader
{
    public static WireResult<ControlAck> Read(ReadOnlyMemory<byte> payload)
    {
        if (WireJson.TryOpen(payload, out var document) is { } rejection)
            return WireResult<ControlAck>.Rejected(rejection);

        using (document)
        {
            var envelope = new ControlAckEnvelope(document!.RootElement);
            if (ControlAckEnvelopeValidator.Instance.Validate(envelope).FirstRejection() is { } invalid)
                return WireResult<ControlAck>.Rejected(invalid);
            return WireResult<ControlAck>.Accepted(new ControlAck(Guid.ParseExact(envelope.ControlId.GetString()!, "D")));
        }
    }
}
