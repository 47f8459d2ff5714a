namespace EdgeSync.Wire;

/// <summary>
/// The rules of <c>sync/ingest/request</c>, first failure wins: invalid_format_version,
/// unsupported_format_version, invalid_request_kind, invalid_source_table, invalid_segment_kind,
/// then for a finalize invalid_upload (upload_id not a UUID) and invalid_batch_id (not a UUIDv7).
/// invalid_request_kind and invalid_segment_kind are codes the protocol's original table does not have.
/// </summary>
internal sealed class IngestRequestEnvelopeValidator : WireEnvelopeValidator<IngestRequestEnvelope>
{
    public static IngestRequestEnvelopeValidator Instance { get; } = new();

    private IngestRequestEnvelopeValidator()
    {
        AddFormatVersionRules();
        RuleFor(x => x.RequestKind).Check(RejectionCodes.InvalidRequestKind, (_, v) =>
            IngestRequest.RequestKinds.Contains(WireJson.StringOrNull(v)) ? null
                : $"request_kind must be one of {string.Join(", ", IngestRequest.RequestKinds)}, not {WireJson.Describe(v)}.");
        AddSourceTableRule();
        RuleFor(x => x.SegmentKind).Check(RejectionCodes.InvalidSegmentKind, (_, v) =>
            IngestRequest.SegmentKinds.Contains(WireJson.StringOrNull(v)) ? null
                : $"segment_kind must be one of {string.Join(", ", IngestRequest.SegmentKinds)}, not {WireJson.Describe(v)}.");
        RuleFor(x => x.UploadId).Check(RejectionCodes.InvalidUpload, (envelope, v) =>
            !envelope.IsFinalize || Guid.TryParseExact(WireJson.StringOrNull(v), "D", out Guid _) ? null
                : $"upload_id must be the UUID of a granted upload, not {WireJson.Describe(v)}.");
        RuleFor(x => x.BatchId).Check(RejectionCodes.InvalidBatchId, (envelope, v) =>
            !envelope.IsFinalize || Uuid7.IsValid(WireJson.StringOrNull(v)) ? null
                : $"batch_id must be a UUIDv7, not {WireJson.Describe(v)}.");
    }
}
