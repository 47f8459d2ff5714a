using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>A <c>sync/ingest/request</c> message before validation; see <see cref="WireEnvelope"/>.</summary>
internal sealed class IngestRequestEnvelope : WireEnvelope
{
    public IngestRequestEnvelope(JsonElement root) : base(root)
    {
        RequestKind = WireJson.Property(root, "request_kind");
        SegmentKind = WireJson.Property(root, "segment_kind");
        UploadId = WireJson.Property(root, "upload_id");
        BatchId = WireJson.Property(root, "batch_id");
    }

    public JsonElement RequestKind { get; }
    public JsonElement SegmentKind { get; }
    public JsonElement UploadId { get; }
    public JsonElement BatchId { get; }

    public bool IsFinalize => WireJson.StringOrNull(RequestKind) == IngestRequest.Finalize;
}
