namespace EdgeSync.Uploads;

/// <summary>One row of <c>edge_uploads</c>: an upload from its grant to its finalize.</summary>
public sealed record Upload(
    Guid UploadId, Guid ProjectId, Guid DeviceId, Guid LineageId, string SourceTable, string SegmentKind, string State,
    long? Bytes, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt, DateTimeOffset? UploadedAt, DateTimeOffset? FinalizedAt,
    Guid? BatchId, long? RowsIngested, string? Detail);

/// <summary>The states of an upload, as stored.</summary>
public static class UploadStates
{
    public const string Granted = "granted";
    public const string Uploaded = "uploaded";
    /// <summary>The finalize was accepted (a snapshot may still be being applied: see the lineage).</summary>
    public const string Finalized = "finalized";
    public const string Refused = "refused";
    /// <summary>Not stored in the table: a granted upload past its expiry reads as expired.</summary>
    public const string Expired = "expired";

    public static IReadOnlyList<string> All { get; } = [Granted, Uploaded, Finalized, Refused, Expired];
}
