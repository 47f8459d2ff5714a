using System.Collections.Frozen;

namespace EdgeSync.Api.Edge;

/// <summary>
/// The governance notifications of docs/lineage.md, keyed by the Marten event type name of the lineage
/// event that raises them. Keyed by name rather than by CLR type so the stream neither loads nor
/// depends on the event classes (an event added later only needs a row here).
/// </summary>
public static class GovernanceNotifications
{
    public static readonly FrozenDictionary<string, string> ByEventType = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["review_queued"] = "edge.schema_review.queued",
        ["review_approved"] = "edge.schema_review.approved",
        ["review_rejected"] = "edge.schema_review.rejected",
        ["lineage_paused"] = "edge.lineage.paused",
        ["lineage_resumed"] = "edge.lineage.resumed",
        ["batch_materialized"] = "edge.batch.materialized",
        ["materialization_failed"] = "edge.batch.materialization_failed",
        ["control_issued"] = "edge.control.requested",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The event type names that raise a notification (for the event query's filter).</summary>
    public static readonly string[] EventTypes = [.. ByEventType.Keys];
}
