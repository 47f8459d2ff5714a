using EdgeSync.Wire;

namespace EdgeSync.Lineages;

public enum IngestStatus
{
    /// <summary>Durable: rows staged or written and the lineage event stored.</summary>
    Accepted,
    /// <summary>The batch id was accepted before; nothing was done again.</summary>
    Duplicate,
    /// <summary>Refused whole with a code; the sender must not resend it unchanged.</summary>
    Rejected,
}

[GenerateSerializer, Immutable]
public sealed record IngestOutcome(
    [property: Id(0)] IngestStatus Status,
    [property: Id(1)] Guid? LineageId,
    [property: Id(2)] int RowsStaged,
    [property: Id(3)] int RowsSkipped,
    [property: Id(4)] Rejection? Rejection)
{
    public static IngestOutcome Duplicate(Guid lineageId) => new(IngestStatus.Duplicate, lineageId, 0, 0, null);
    public static IngestOutcome Rejected(Guid? lineageId, Rejection rejection) => new(IngestStatus.Rejected, lineageId, 0, 0, rejection);
}
