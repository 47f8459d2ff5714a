using EdgeSync.Storage;
using Marten.Events.Projections;

namespace EdgeSync.Lineages;

/// <summary>
/// Read model of one schema review, projected from the events of its lineage. Its proposed and
/// accepted columns live in the lineage's schema versions.
/// </summary>
public sealed class SchemaReview
{
    public Guid Id { get; set; }
    public Guid LineageId { get; set; }
    public Guid ProjectId { get; set; }
    public Guid DeviceId { get; set; }
    public string SourceTable { get; set; } = "";
    public string SchemaHash { get; set; } = "";
    public string Classification { get; set; } = "";
    public string State { get; set; } = EnumNames.Of(ReviewState.Queued);
    public int ActionVersion { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? LastActor { get; set; }
    /// <summary>Recorded for audit when a compatible additive change was accepted by policy.</summary>
    public bool Automatic { get; set; }
    public string? MirrorTableName { get; set; }
    public string? DecisionReason { get; set; }
}

public sealed class SchemaReviewProjection : MultiStreamProjection<SchemaReview, Guid>
{
    public SchemaReviewProjection()
    {
        Identity<ReviewQueued>(e => e.ReviewId);
        Identity<ReviewAbandoned>(e => e.ReviewId);
        Identity<ReviewClaimed>(e => e.ReviewId);
        Identity<ReviewApproved>(e => e.ReviewId);
        Identity<ReviewRejected>(e => e.ReviewId);
    }

    public static SchemaReview Create(ReviewQueued e) => new()
    {
        Id = e.ReviewId,
        LineageId = e.LineageId,
        ProjectId = e.ProjectId,
        DeviceId = e.DeviceId,
        SourceTable = e.SourceTable,
        SchemaHash = e.SchemaHash,
        Classification = EnumNames.Of(e.Classification),
        State = EnumNames.Of(ReviewState.Queued),
        ActionVersion = 1,
        QueuedAt = e.At,
        UpdatedAt = e.At,
    };

    public static void Apply(ReviewAbandoned e, SchemaReview review) => Transition(review, ReviewState.Abandoned, review.ActionVersion + 1, e.At, e.Actor);

    public static void Apply(ReviewClaimed e, SchemaReview review) => Transition(review, ReviewState.InReview, e.ActionVersion, e.At, e.Actor);

    public static void Apply(ReviewApproved e, SchemaReview review)
    {
        Transition(review, ReviewState.Approved, e.ActionVersion, e.At, e.Actor);
        review.Automatic = e.Automatic;
        review.MirrorTableName = e.MirrorTableName;
    }

    public static void Apply(ReviewRejected e, SchemaReview review)
    {
        Transition(review, ReviewState.Rejected, e.ActionVersion, e.At, e.Actor);
        review.DecisionReason = e.Reason;
    }

    private static void Transition(SchemaReview review, ReviewState state, int actionVersion, DateTimeOffset at, string actor)
    {
        review.State = EnumNames.Of(state);
        review.ActionVersion = actionVersion;
        review.UpdatedAt = at;
        review.LastActor = actor;
    }
}
