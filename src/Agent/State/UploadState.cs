namespace EdgeSync.Agent.State;

/// <summary>Where an upload stands; every step survives a restart.</summary>
public enum UploadStep
{
    /// <summary>Publish <c>sync/schema/observe</c> with the columns (bootstrap: the cloud must know the snapshot's schema).</summary>
    Observe,

    /// <summary>Publish the <c>url_request</c>.</summary>
    Request,

    /// <summary>Requested; waiting for the <c>url_grant</c> control (asked again after a while).</summary>
    AwaitGrant,

    /// <summary>Granted: PUT the object to the presigned URL.</summary>
    Put,

    /// <summary>Stored: publish the <c>finalize</c> (always with the same batch id).</summary>
    Finalize,
}

/// <summary>An upload in progress (a row of <c>uploads</c> in state.db): one per table at a time.</summary>
/// <param name="SegmentKind"><see cref="BootstrapSnapshot"/> or <see cref="PayloadSpill"/>.</param>
/// <param name="File">The zstd JSONL object, beside state.db.</param>
/// <param name="CommitSeq">Bootstrap: the journal position of the snapshot; spill: the row's commit_seq.</param>
/// <param name="SchemaColumnsSent">Spill: the envelope carries <c>schema_columns</c>.</param>
/// <param name="BatchId">Spill: the spilled batch's id; bootstrap: the finalize's id, chosen once the object is stored.</param>
public sealed record UploadState(
    string Table,
    string SegmentKind,
    UploadStep Step,
    string File,
    string JournalEpoch,
    long CommitSeq,
    string SchemaHash,
    bool SchemaColumnsSent,
    long RowCount,
    string? BatchId,
    string? UploadId = null,
    string? PresignedUrl = null,
    DateTimeOffset? PresignedUrlExpiresAt = null,
    DateTimeOffset? RequestedAt = null)
{
    public const string BootstrapSnapshot = "bootstrap_snapshot";
    public const string PayloadSpill = "payload_spill";
}
