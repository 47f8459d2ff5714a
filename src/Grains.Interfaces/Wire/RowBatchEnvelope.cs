using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>A <c>sync/rows/batch</c> message before validation; see <see cref="WireEnvelope"/>.</summary>
internal sealed class RowBatchEnvelope : WireEnvelope
{
    public RowBatchEnvelope(JsonElement root) : base(root)
    {
        CaptureStrategy = WireJson.Property(root, "capture_strategy");
        BatchId = WireJson.Property(root, "batch_id");
        JournalEpoch = WireJson.Property(root, "journal_epoch");
        FirstCommitSeq = WireJson.Property(root, "first_commit_seq");
        LastCommitSeq = WireJson.Property(root, "last_commit_seq");
        Rows = WireJson.Property(root, "rows");
        RowItems = Rows.ValueKind == JsonValueKind.Array ? Rows.EnumerateArray().ToArray() : [];
    }

    public JsonElement CaptureStrategy { get; }
    public JsonElement BatchId { get; }
    public JsonElement JournalEpoch { get; }
    public JsonElement FirstCommitSeq { get; }
    public JsonElement LastCommitSeq { get; }
    public JsonElement Rows { get; }

    /// <summary>The elements of <c>rows</c>; empty when it is not an array.</summary>
    public IReadOnlyList<JsonElement> RowItems { get; }
}
