namespace EdgeSync.Wire;

/// <summary>Reads and validates a <c>sync/rows/batch</c> payload.</summary>
public static class RowBatchReader
{
    /// <summary>
    /// The batch, or the rejection of the first check that fails. Order: payload_too_large
    /// (before parsing), malformed_json, envelope_unstripped_tenant_fields, then the field rules
    /// in the protocol's table order, then value_out_of_range (see <see cref="RowBatchEnvelopeValidator"/>). Never throws for
    /// device input.
    /// </summary>
    /// <remarks>
    /// Ordinary valid batches are read in one pass by <see cref="RowBatchFastPath"/>; every other
    /// payload, and every rejection, comes from <see cref="RowBatchReferenceReader"/>, so both
    /// give the same result for any input.
    /// </remarks>
    public static WireResult<RowBatch> Read(ReadOnlyMemory<byte> payload) =>
        RowBatchFastPath.TryRead(payload) is { } batch
            ? WireResult<RowBatch>.Accepted(batch)
            : RowBatchReferenceReader.Read(payload);

    /// <summary>
    /// A batch that came through an upload (<c>payload_spill</c>): every check of <see cref="Read"/>
    /// except the 512 KiB payload limit (the row limit stays).
    /// </summary>
    public static WireResult<RowBatch> ReadSpilled(ReadOnlyMemory<byte> payload) =>
        RowBatchReferenceReader.Read(payload, int.MaxValue);
}
