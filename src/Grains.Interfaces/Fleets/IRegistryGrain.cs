using EdgeSync.Lineages;

namespace EdgeSync.Fleets;

/// <summary>
/// The schema registry of one project (keyed by the project id): it records and revokes registry
/// decisions one at a time, so that a table's schema has at most one decision in force, and it
/// finishes fan-outs that a node's death left half done.
/// </summary>
[Alias("EdgeSync.Fleets.IRegistryGrain")]
public interface IRegistryGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Records a decision (or answers the one in force when it has the same terms: a retry); its
    /// fan-out to the open reviews is the caller's next step (<see cref="CompleteFanOut"/> when done).
    /// </summary>
    [Alias("Record")]
    Task<RegistryResult> Record(RecordRegistryDecision command);

    [Alias("Revoke")]
    Task<RegistryResult> Revoke(Guid decisionId, string actor);

    /// <summary>The fan-out of a decision reached every lineage it was meant for.</summary>
    [Alias("CompleteFanOut")]
    Task CompleteFanOut(Guid decisionId, IReadOnlyList<Guid> approvedReviewIds);
}

/// <summary>
/// A registry decision to record. <see cref="FromReviewId"/> is set for a fleet approval of a review:
/// the review must be open and at <see cref="FromReviewActionVersion"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RecordRegistryDecision(
    [property: Id(0)] string SourceTable,
    [property: Id(1)] string SchemaHash,
    [property: Id(2)] IReadOnlyList<ColumnAction> ColumnActions,
    [property: Id(3)] string? MirrorLayout,
    [property: Id(4)] string? MirrorTableName,
    [property: Id(5)] string Actor,
    [property: Id(6)] Guid? FromReviewId = null,
    [property: Id(7)] int? FromReviewActionVersion = null);

/// <summary>The answer of the registry: done with the decision's id, or refused.</summary>
[GenerateSerializer, Immutable]
public sealed record RegistryResult([property: Id(0)] CommandResult Result, [property: Id(1)] Guid? DecisionId);
