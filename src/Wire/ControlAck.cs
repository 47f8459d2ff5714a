namespace EdgeSync.Wire;

/// <summary>A <c>sync/ingest/ack</c> message: the device acknowledges one downlink control.</summary>
public sealed record ControlAck(Guid ControlId);
