using System.Text.Json;

namespace EdgeSync.Cli.Api;

/// <summary>A row of <c>GET …/edge/lineages</c>: the fields the list shows.</summary>
public sealed record LineageSummary(
    Guid Id, Guid DeviceId, string DeviceName, string SourceTable, string Status, IReadOnlyList<string> PauseReasons,
    long StagedRowCount, long StagedBytes, long? ServerWatermark, Guid? OpenReviewId, DateTimeOffset UpdatedAt,
    string? CaptureStrategy = null, string? TimestampColumn = null, long? LastBatchSeq = null, long BatchSeqGaps = 0)
{
    /// <summary><c>rows</c> or <c>telemetry</c>.</summary>
    public string Kind => LineageKind.Of(CaptureStrategy);

    /// <summary>Where the device resumes from: a row lineage's commit_seq, a telemetry lineage's batch_seq.</summary>
    public string? Position => Kind == LineageKind.Telemetry ? LastBatchSeq is { } seq ? $"batch {seq}" : null : ServerWatermark?.ToString();
}

/// <summary>A lineage's kind, shortened from its capture strategy.</summary>
public static class LineageKind
{
    public const string Rows = "rows";
    public const string Telemetry = "telemetry";

    public static string Of(string? captureStrategy) => captureStrategy == "sqlite_telemetry_batch_v1" ? Telemetry : Rows;
}

/// <summary><c>GET …/edge/lineages/{id}</c>: everything an operator needs to see why a table is not syncing.</summary>
public sealed record LineageDetail(
    Guid Id, Guid DeviceId, string DeviceName, string SourceTable, string Status, IReadOnlyList<string> PauseReasons,
    WatermarkView? Watermark, Dictionary<string, long> Counters, string? AcceptedSchemaHash,
    IReadOnlyList<SchemaVersionView> SchemaVersions, OpenReviewView? OpenReview, IReadOnlyList<BindingView> Bindings,
    MirrorView? Mirror, ReplayIntentView? ReplayIntent, int MaterializationFailureCount, string? MaterializationLastError,
    bool DevicePaused, IReadOnlyList<PendingControlView> PendingControls, string? LastRejectionCode, long Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? CaptureStrategy = null, string? TimestampColumn = null, long? LastBatchSeq = null, long BatchSeqGaps = 0,
    IReadOnlyList<PendingSnapshotView>? PendingSnapshots = null)
{
    public string Kind => LineageKind.Of(CaptureStrategy);
}

/// <summary>A bootstrap snapshot in the lineage's backlog.</summary>
public sealed record PendingSnapshotView(Guid UploadId, long RowCount, long RowsApplied, string SchemaHash, DateTimeOffset ReceivedAt);

/// <summary>A row of <c>GET …/edge/uploads</c>: the fields the lineage detail shows.</summary>
public sealed record UploadSummary(Guid UploadId, string SegmentKind, string State, long? Bytes, long? RowsIngested, DateTimeOffset GrantedAt, string? Detail);

public sealed record WatermarkView(Guid JournalEpoch, long ServerWatermark);

public sealed record SchemaVersionView(string SchemaHash, string Classification, DateTimeOffset FirstSeenAt, bool Accepted);

public sealed record OpenReviewView(Guid ReviewId, string SchemaHash, string State, int ActionVersion, DateTimeOffset QueuedAt);

public sealed record BindingView(string SourceColumn, string Action, string? MirrorColumn, string? DataPoint, string? TimestampColumn);

public sealed record MirrorView(string Name);

public sealed record ReplayIntentView(
    string Status, string Cause, long BacklogRowsAtStart, long RowsReplayed, int Failures, string? LastError, DateTimeOffset UpdatedAt);

public sealed record PendingControlView(Guid ControlId, string ControlKind, DateTimeOffset CreatedAt, DateTimeOffset? LastSentAt, int SendCount);

/// <summary>A row of <c>…/staged-rows</c>.</summary>
public sealed record StagedRowView(
    long SourceCommitSeq, Guid JournalEpoch, string Op, JsonElement Pk, JsonElement? Row, string StagingReason, int Bytes, DateTimeOffset StagedAt);

/// <summary>A row of <c>…/quarantined-rows</c>.</summary>
public sealed record QuarantinedRowView(
    long SourceCommitSeq, Guid JournalEpoch, string Op, JsonElement Pk, JsonElement? Row, string Kind, string? Error, string Actor,
    string? Reason, DateTimeOffset QuarantinedAt);

/// <summary>Answer of <c>…/staged-rows/discard</c>.</summary>
public sealed record DiscardResult(Guid LineageId, IReadOnlyList<long> Discarded, IReadOnlyList<long> AlreadyQuarantined, IReadOnlyList<long> NotFound, string Status, long StagedRowCount);

/// <summary>Answer of <c>…/quarantined-rows/requeue</c>.</summary>
public sealed record RequeueResult(Guid LineageId, IReadOnlyList<long> Requeued, IReadOnlyList<long> AlreadyStaged, IReadOnlyList<long> NotFound, string Status, long StagedRowCount);

/// <summary>A row of <c>…/events</c>.</summary>
public sealed record LineageEventView(long Version, string Type, DateTimeOffset Timestamp, JsonElement Data);

/// <summary>Answer of <c>…/reset-materialization</c>.</summary>
public sealed record ResetResult(Guid LineageId, bool Resumed, string Status, long StagedRowCount);
