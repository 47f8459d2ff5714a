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
    public string State { get; set; } = ReviewState.Queued;
    public int ActionVersion { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class SchemaReviewProjection : MultiStreamProjection<SchemaReview, Guid>
{
    public SchemaReviewProjection()
    {
        Identity<ReviewQueued>(e => e.ReviewId);
        Identity<ReviewAbandoned>(e => e.ReviewId);
    }

    public static SchemaReview Create(ReviewQueued e) => new()
    {
        Id = e.ReviewId,
        LineageId = e.LineageId,
        ProjectId = e.ProjectId,
        DeviceId = e.DeviceId,
        SourceTable = e.SourceTable,
        SchemaHash = e.SchemaHash,
        Classification = e.Classification,
        State = ReviewState.Queued,
        ActionVersion = 1,
        QueuedAt = e.At,
        UpdatedAt = e.At,
    };

    public static void Apply(ReviewAbandoned e, SchemaReview review)
    {
        review.State = ReviewState.Abandoned;
        review.ActionVersion++;
        review.UpdatedAt = e.At;
    }
}
