namespace EdgeSync.Wire;

/// <summary>
/// A validated <c>sync/ingest/request</c> message (read it with <see cref="IngestRequestReader"/>):
/// a <c>url_request</c> asks for an upload URL, a <c>finalize</c> names the upload to ingest.
/// </summary>
/// <param name="UploadId">Set for a finalize.</param>
/// <param name="BatchId">Set for a finalize: the ledger's key (a new UUIDv7 for a snapshot, the spilled batch's own id for a spill).</param>
[GenerateSerializer, Immutable]
public sealed record IngestRequest(
    [Id(0)] string RequestKind,
    [Id(1)] string SourceTable,
    [Id(2)] string SegmentKind,
    [Id(3)] Guid? UploadId,
    [Id(4)] Guid? BatchId)
{
    public const string UrlRequest = "url_request";
    public const string Finalize = "finalize";

    public const string BootstrapSnapshot = "bootstrap_snapshot";
    public const string PayloadSpill = "payload_spill";

    public static IReadOnlyList<string> RequestKinds { get; } = [UrlRequest, Finalize];
    public static IReadOnlyList<string> SegmentKinds { get; } = [BootstrapSnapshot, PayloadSpill];
}
