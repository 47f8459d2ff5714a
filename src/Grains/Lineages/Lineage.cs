using System.Collections.Frozen;
using EdgeSync.Mirrors;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

// ---- Events: everything that ever happened to a lineage, in past tense. ----------------------

/// <summary>
/// An event of a lineage's stream. Each carries the lineage id, when it happened and who caused it
/// ("device:{name}", "operator:{subject}" or "system"). The hierarchy is closed: every event is
/// one of the sealed records below, listed with its stored name in <see cref="LineageEventNames"/>.
/// </summary>
public abstract record LineageEvent
{
    public abstract Guid LineageId { get; init; }
    public abstract DateTimeOffset At { get; init; }
    public abstract string Actor { get; init; }
}

/// <param name="CaptureStrategy">
/// The kind of the lineage, fixed by its first message: <c>sqlite_telemetry_batch_v1</c> for a
/// time series; null (streams stored before telemetry existed, and every row lineage) for rows.
/// </param>
/// <param name="TimestampColumn">The timestamp column a telemetry lineage's batches name.</param>
public sealed record LineageCreated(
    Guid LineageId, Guid ProjectId, Guid DeviceId, string DeviceName, string SourceTable, DateTimeOffset At, string Actor,
    string? CaptureStrategy = null, string? TimestampColumn = null) : LineageEvent;

public sealed record SchemaObserved(Guid LineageId, string SchemaHash, SchemaFingerprint? Columns, SchemaClassification Classification, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>The columns of a hash first seen without them arrived later.</summary>
public sealed record SchemaColumnsLearned(Guid LineageId, string SchemaHash, SchemaFingerprint Columns, DateTimeOffset At, string Actor) : LineageEvent;

public sealed record ReviewQueued(
    Guid LineageId, Guid ReviewId, Guid ProjectId, Guid DeviceId, string SourceTable,
    string SchemaHash, SchemaClassification Classification, SchemaFingerprint? ProposedColumns, SchemaFingerprint? AcceptedColumns,
    DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>A newer unaccepted schema superseded the review before anyone decided it.</summary>
public sealed record ReviewAbandoned(Guid LineageId, Guid ReviewId, string SupersededBySchemaHash, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary><see cref="Note"/> is an operator's own words, when an operator paused.</summary>
public sealed record LineagePaused(Guid LineageId, PauseReason Reason, DateTimeOffset At, string Actor, string? Note = null) : LineageEvent;

/// <summary>
/// <see cref="RowsSkipped"/>: rows not kept because the lineage had seen them already (duplicates);
/// <see cref="RowsLate"/>: rows kept although at or below the watermark, never seen before (late arrivals).
/// </summary>
public sealed record BatchStaged(
    Guid LineageId, Guid BatchId, Guid JournalEpoch, long FirstCommitSeq, long LastCommitSeq,
    long StagedFromCommitSeq, int RowsStaged, int RowsSkipped, long Bytes, StagingReason StagingReason, DateTimeOffset At, string Actor,
    int RowsLate = 0) : LineageEvent;

/// <summary>A batch from an epoch older than the lineage's current one: nothing of it was kept.</summary>
public sealed record StaleBatchSkipped(Guid LineageId, Guid BatchId, Guid JournalEpoch, int Rows, DateTimeOffset At, string Actor) : LineageEvent;

public sealed record BatchRejected(Guid LineageId, Guid BatchId, string Code, string Detail, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary><see cref="ActionVersion"/> is the review's version after the transition.</summary>
public sealed record ReviewClaimed(Guid LineageId, Guid ReviewId, int ActionVersion, DateTimeOffset At, string Actor) : LineageEvent;

/// <param name="RegistryDecisionId">Set when the approval was a fleet approval: the project's registry decision it carried out.</param>
public sealed record ReviewApproved(
    Guid LineageId, Guid ReviewId, string SchemaHash, IReadOnlyList<ColumnBinding> Bindings, string MirrorTableName,
    int ActionVersion, bool Automatic, DateTimeOffset At, string Actor, Guid? RegistryDecisionId = null) : LineageEvent;

public sealed record ReviewRejected(Guid LineageId, Guid ReviewId, string? Reason, int ActionVersion, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>
/// The schema version became the accepted one, with these bindings (by approval or automatically);
/// <paramref name="RegistryDecisionId"/> names the project's registry decision whose bindings these are.
/// </summary>
public sealed record SchemaAccepted(
    Guid LineageId, string SchemaHash, IReadOnlyList<ColumnBinding> Bindings, SchemaClassification Classification, DateTimeOffset At, string Actor,
    Guid? RegistryDecisionId = null) : LineageEvent;

/// <summary>The mirror table was created or evolved to hold these columns.</summary>
public sealed record MirrorProvisioned(Guid LineageId, MirrorTable Table, DateTimeOffset At, string Actor) : LineageEvent;

public sealed record LineageResumed(Guid LineageId, PauseReason Reason, DateTimeOffset At, string Actor) : LineageEvent;

public sealed record ReplayStarted(Guid LineageId, Guid ReplayId, string Cause, long BacklogRows, DateTimeOffset At, string Actor) : LineageEvent;

public sealed record ReplayProgressed(
    Guid LineageId, Guid ReplayId, int RowsApplied, long BytesDrained, Guid LastJournalEpoch, long LastCommitSeq, DateTimeOffset At, string Actor) : LineageEvent;

public sealed record ReplayCompleted(Guid LineageId, Guid ReplayId, long RowsReplayed, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary><see cref="Permanent"/> failures count towards the circuit breaker; the others (lost connections, unexpected errors) are retried with backoff.</summary>
public sealed record ReplayFailed(Guid LineageId, Guid ReplayId, string Error, bool Permanent, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>The watchdog found the replay without progress since <see cref="StalledSince"/> and started it again.</summary>
public sealed record ReplayRestarted(Guid LineageId, Guid ReplayId, DateTimeOffset StalledSince, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>
/// <see cref="RowsApplied"/>: rows written through the mirror's ordering guard (a row older than
/// the mirror's version of its key changes nothing); <see cref="RowsSkipped"/> and
/// <see cref="RowsLate"/> as for <see cref="BatchStaged"/>.
/// </summary>
public sealed record BatchMaterialized(
    Guid LineageId, Guid BatchId, Guid JournalEpoch, long FirstCommitSeq, long LastCommitSeq,
    int RowsApplied, int RowsSkipped, DateTimeOffset At, string Actor, int RowsLate = 0) : LineageEvent;

/// <summary>A downlink control for the device, recorded before it is published (docs/device-protocol.md, "Downlink control").</summary>
public sealed record ControlIssued(
    Guid LineageId, Guid ControlId, ControlKind ControlKind, string SourceTable, long ServerWatermark, string? Reason, DateTimeOffset At, string Actor) : LineageEvent;

public sealed record ControlAcknowledged(Guid LineageId, Guid ControlId, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>An operator cleared the circuit breaker's count and last error.</summary>
public sealed record MaterializationReset(Guid LineageId, int FailuresCleared, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>The cloud sync state of the table was removed; the stream is archived, the mirror kept unless dropped.</summary>
public sealed record LineageDeleted(Guid LineageId, bool MirrorDropped, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>A permanent or transient write error; only permanent ones count towards the circuit breaker.</summary>
public sealed record MaterializationFailed(Guid LineageId, Guid? BatchId, string Error, bool Permanent, int ConsecutiveFailures, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>
/// An operator moved staged rows of <see cref="JournalEpoch"/> to the quarantine; <see cref="Error"/>
/// is the lineage's last write error at the time (what the rows are taken to have met).
/// </summary>
public sealed record StagedRowsDiscarded(
    Guid LineageId, Guid JournalEpoch, IReadOnlyList<long> CommitSeqs, int Rows, long Bytes, string? Reason, string? Error,
    DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>Quarantined rows were staged again; a replay writes them like any backlog.</summary>
public sealed record QuarantinedRowsRequeued(
    Guid LineageId, Guid JournalEpoch, IReadOnlyList<long> CommitSeqs, int Rows, long Bytes, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>
/// The policy set rows aside that no mirror write could take (found by splitting the failing
/// write); the rest was written. <see cref="FromStaging"/>: they were staged (a replay chunk),
/// so the backlog shrank by them; otherwise they came with a live batch (<see cref="BatchId"/>).
/// </summary>
public sealed record RowsQuarantined(
    Guid LineageId, Guid? BatchId, Guid JournalEpoch, IReadOnlyList<long> CommitSeqs, int Rows, long Bytes, bool FromStaging, string Error,
    DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>
/// The device asked for an upload URL and was granted one: <see cref="UploadId"/>, usable until
/// <see cref="ExpiresAt"/>, sent in the <c>url_grant</c> control <see cref="ControlId"/>.
/// </summary>
public sealed record UploadGranted(
    Guid LineageId, Guid UploadId, Guid ControlId, string SegmentKind, DateTimeOffset ExpiresAt, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>
/// A <c>bootstrap_snapshot</c> was finalized: the table's content as of (<see cref="JournalEpoch"/>,
/// <see cref="CommitSeq"/>), <see cref="RowCount"/> rows kept in upload <see cref="UploadId"/>, joins
/// the lineage's backlog; the replay applies it through the mirror's ordering guard.
/// </summary>
public sealed record SnapshotReceived(
    Guid LineageId, Guid UploadId, Guid BatchId, Guid JournalEpoch, long CommitSeq, string SchemaHash, long RowCount, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>A chunk of a snapshot was applied; <see cref="RowsApplied"/> rows of it are in the mirror, counted from its first row.</summary>
public sealed record SnapshotProgressed(Guid LineageId, Guid UploadId, long RowsApplied, int ChunkRows, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>The last chunk of a snapshot was applied; it has left the backlog.</summary>
public sealed record SnapshotApplied(Guid LineageId, Guid UploadId, long RowsApplied, DateTimeOffset At, string Actor) : LineageEvent;

/// <summary>
/// The name each event is stored under in the event stream. Pinned here rather than derived from
/// class names, so that renaming a class cannot orphan stored events; the event feed, the
/// notifications and the API's event history show these names.
/// </summary>
public static class LineageEventNames
{
    public static readonly FrozenDictionary<Type, string> ByType = new Dictionary<Type, string>
    {
        [typeof(LineageCreated)] = "lineage_created",
        [typeof(SchemaObserved)] = "schema_observed",
        [typeof(SchemaColumnsLearned)] = "schema_columns_learned",
        [typeof(ReviewQueued)] = "review_queued",
        [typeof(ReviewAbandoned)] = "review_abandoned",
        [typeof(LineagePaused)] = "lineage_paused",
        [typeof(BatchStaged)] = "batch_staged",
        [typeof(StaleBatchSkipped)] = "stale_batch_skipped",
        [typeof(BatchRejected)] = "batch_rejected",
        [typeof(ReviewClaimed)] = "review_claimed",
        [typeof(ReviewApproved)] = "review_approved",
        [typeof(ReviewRejected)] = "review_rejected",
        [typeof(SchemaAccepted)] = "schema_accepted",
        [typeof(MirrorProvisioned)] = "mirror_provisioned",
        [typeof(LineageResumed)] = "lineage_resumed",
        [typeof(ReplayStarted)] = "replay_started",
        [typeof(ReplayProgressed)] = "replay_progressed",
        [typeof(ReplayCompleted)] = "replay_completed",
        [typeof(ReplayFailed)] = "replay_failed",
        [typeof(ReplayRestarted)] = "replay_restarted",
        [typeof(BatchMaterialized)] = "batch_materialized",
        [typeof(ControlIssued)] = "control_issued",
        [typeof(ControlAcknowledged)] = "control_acknowledged",
        [typeof(MaterializationReset)] = "materialization_reset",
        [typeof(LineageDeleted)] = "lineage_deleted",
        [typeof(MaterializationFailed)] = "materialization_failed",
        [typeof(StagedRowsDiscarded)] = "staged_rows_discarded",
        [typeof(QuarantinedRowsRequeued)] = "quarantined_rows_requeued",
        [typeof(RowsQuarantined)] = "rows_quarantined",
        [typeof(UploadGranted)] = "upload_granted",
        [typeof(SnapshotReceived)] = "snapshot_received",
        [typeof(SnapshotProgressed)] = "snapshot_progressed",
        [typeof(SnapshotApplied)] = "snapshot_applied",
    }.ToFrozenDictionary();
}

// ---- State: a fold of the events above. The grain stores it as the snapshot document that the API reads.

public enum LineageStatus
{
    Active,
    Paused,
}

public enum PauseReason
{
    SchemaReview,
    Backpressure,
    CircuitBreaker,
    Operator,
}

/// <summary>The downlink controls a lineage issues; on the wire <c>pause_lineage</c>, <c>resume_lineage</c> and <c>url_grant</c>.</summary>
public enum ControlKind
{
    PauseLineage,
    ResumeLineage,
    UrlGrant,
}

public enum StagingReason
{
    SchemaReview,
    LineagePaused,
    MaterializationFailed,
    /// <summary>Not paused, but older rows are still being replayed: new rows queue behind them.</summary>
    BehindBacklog,
    /// <summary>Taken back from the quarantine by an operator.</summary>
    Requeued,
}

public enum ReplayStatus
{
    Running,
    Completed,
    Failed,
}

public enum SchemaClassification
{
    CompatibleMapped,
    CompatibleAdditive,
    Ambiguous,
    Breaking,
    Unknown,
}

public enum ReviewState
{
    Queued,
    InReview,
    Approved,
    Rejected,
    Abandoned,
}

/// <summary><see cref="Rejected"/>: an operator rejected its latest review; its rows stay staged until a decision changes that.</summary>
public sealed record SchemaVersion(
    string SchemaHash, SchemaFingerprint? Columns, SchemaClassification Classification, DateTimeOffset FirstSeenAt, bool Accepted, DateTimeOffset? ReviewQueuedAt = null,
    bool Rejected = false);

public sealed record OpenReview(Guid ReviewId, string SchemaHash, ReviewState State, int ActionVersion, DateTimeOffset QueuedAt);

/// <param name="LastProgressAt">When a chunk last drained rows, or the replay (re)started; the watchdog measures stalls from it.</param>
/// <param name="Restarts">How often the watchdog restarted this replay.</param>
public sealed record ReplayIntent(
    Guid ReplayId, ReplayStatus Status, string Cause, long BacklogRowsAtStart, long RowsReplayed, int Failures, string? LastError,
    DateTimeOffset StartedAt, DateTimeOffset UpdatedAt, DateTimeOffset? LastProgressAt = null, int Restarts = 0);

/// <summary>A snapshot in the backlog: <see cref="RowsApplied"/> of its <see cref="RowCount"/> rows are in the mirror.</summary>
public sealed record PendingSnapshot(
    Guid UploadId, Guid BatchId, Guid JournalEpoch, long CommitSeq, string SchemaHash, long RowCount, long RowsApplied, DateTimeOffset ReceivedAt);

/// <summary>Order of changes is (journal_epoch, commit_seq); epochs are UUIDv7 and so order by time.</summary>
public sealed record Watermark(Guid JournalEpoch, long LastCommitSeq);

/// <summary>The commit sequences <see cref="First"/> to <see cref="Last"/> of the watermark's epoch, all seen.</summary>
public sealed record SeenRange(long First, long Last);

public sealed record LineageCounters
{
    public long BatchesAccepted { get; init; }
    public long BatchesRejected { get; init; }
    public long BatchesStale { get; init; }
    public long RowsReceived { get; init; }
    public long RowsStaged { get; init; }
    public long RowsDuplicate { get; init; }
    public long RowsStale { get; init; }
    /// <summary>Rows at or below the watermark that had not been seen: applied through the ordering guard.</summary>
    public long RowsLate { get; init; }
    public long StagedRowCount { get; init; }
    public long StagedBytes { get; init; }
    public long BatchesMaterialized { get; init; }
    public long RowsMaterialized { get; init; }
    /// <summary>Rows moved to the quarantine (discarded or set aside by the policy), less those re-queued.</summary>
    public long RowsQuarantined { get; init; }
}

public sealed class Lineage
{
    public Guid Id { get; set; }
    /// <summary>Stream version; Marten sets it on the snapshot.</summary>
    public long Version { get; set; }
    public Guid ProjectId { get; set; }
    public Guid DeviceId { get; set; }
    public string DeviceName { get; set; } = "";
    public string SourceTable { get; set; } = "";
    public LineageStatus Status { get; set; } = LineageStatus.Active;
    public List<PauseReason> PauseReasons { get; set; } = [];
    public string? AcceptedSchemaHash { get; set; }
    /// <summary>The registry decision the accepted schema's bindings came from (null when decided for this lineage alone).</summary>
    public Guid? RegistryDecisionId { get; set; }
    public List<SchemaVersion> SchemaVersions { get; set; } = [];
    public OpenReview? OpenReview { get; set; }
    public Watermark? Watermark { get; set; }
    /// <summary>
    /// The batches of the watermark's epoch the lineage kept, as merged ranges of commit sequences,
    /// to tell duplicates from late arrivals (<see cref="SeenRanges"/>).
    /// </summary>
    public List<SeenRange> Seen { get; set; } = [];
    public LineageCounters Counters { get; set; } = new();
    public string? LastRejectionCode { get; set; }
    public List<ColumnBinding> Bindings { get; set; } = [];
    public MirrorTable? Mirror { get; set; }
    public ReplayIntent? Replay { get; set; }
    public int ConsecutiveFailures { get; set; }
    /// <summary>The device was last told to pause this table (and not told to resume since).</summary>
    public bool DevicePaused { get; set; }
    public string? LastMaterializationError { get; set; }
    /// <summary>Bootstrap snapshots received and not yet wholly applied, oldest first: part of the backlog.</summary>
    public List<PendingSnapshot> PendingSnapshots { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary><c>sqlite_telemetry_batch_v1</c> for a telemetry lineage; null for rows.</summary>
    public string? CaptureStrategy { get; set; }
    /// <summary>The timestamp column of a telemetry lineage.</summary>
    public string? TimestampColumn { get; set; }
    /// <summary>The highest <c>batch_seq</c> a telemetry lineage accepted.</summary>
    public long? LastBatchSeq { get; set; }
    /// <summary>The batch_seqs a telemetry lineage accepted, as merged ranges (the newest <see cref="SeenRanges.Limit"/>).</summary>
    public List<SeenRange> AcceptedBatchSeqs { get; set; } = [];
    /// <summary>How many batch_seqs were skipped between accepted batches (the device pruned, or lost, them).</summary>
    public long BatchSeqGaps { get; set; }

    public bool IsTelemetry => CaptureStrategy == WireLimits.TelemetryBatchCaptureStrategy;

    public SchemaVersion? FindSchema(string hash) => SchemaVersions.Find(v => v.SchemaHash == hash);

    public SchemaVersion? AcceptedSchema => AcceptedSchemaHash is null ? null : FindSchema(AcceptedSchemaHash);

    /// <summary>What controls carry: the last commit_seq kept, or for a telemetry lineage the highest batch_seq accepted.</summary>
    public long ServerWatermark => IsTelemetry ? LastBatchSeq ?? 0 : Watermark?.LastCommitSeq ?? 0;

    /// <summary>A journal position as a control's <c>server_watermark</c> (a telemetry lineage's positions are synthetic: its batch_seq).</summary>
    public long WatermarkOf(long commitSeq) => IsTelemetry ? TelemetryJournal.BatchSeqOf(commitSeq) : commitSeq;

    /// <summary>Reasons that stop the backlog from being written (backpressure does not: draining is how it ends).</summary>
    public bool IsWriteBlocked => PauseReasons.Any(r => r is PauseReason.SchemaReview or PauseReason.CircuitBreaker or PauseReason.Operator);

    public bool HasStagedBacklog => Counters.StagedRowCount > 0 || PendingSnapshots.Count > 0;

    /// <summary>Rows of pending snapshots not applied yet; backpressure counts them with the staged rows.</summary>
    public long PendingSnapshotRows => PendingSnapshots.Sum(s => s.RowCount - s.RowsApplied);

    public bool IsReplaying => Replay is { Status: ReplayStatus.Running or ReplayStatus.Failed };

    public static Lineage Create(LineageCreated e) => new()
    {
        Id = e.LineageId,
        ProjectId = e.ProjectId,
        DeviceId = e.DeviceId,
        DeviceName = e.DeviceName,
        SourceTable = e.SourceTable,
        CaptureStrategy = e.CaptureStrategy,
        TimestampColumn = e.TimestampColumn,
        CreatedAt = e.At,
        UpdatedAt = e.At,
    };

    /// <summary>
    /// The state after <paramref name="events"/>, folded on a copy: <paramref name="state"/> is left
    /// as it was. <see cref="Version"/> counts the events.
    /// </summary>
    public static Lineage Fold(Lineage? state, IEnumerable<LineageEvent> events)
    {
        var next = state?.Copy();
        var count = 0;
        foreach (var e in events)
        {
            next = e is LineageCreated created
                ? Create(created)
                : (next ?? throw new InvalidOperationException($"{e.GetType().Name} before lineage_created")).Evolve(e);
            count++;
        }
        if (next is null)
            throw new InvalidOperationException("no events: the lineage does not exist");
        next.Version = (state?.Version ?? 0) + count;
        return next;
    }

    private Lineage Evolve(LineageEvent e)
    {
        switch (e)
        {
            case SchemaObserved x:
                Apply(x);
                break;
            case SchemaColumnsLearned x:
                Apply(x);
                break;
            case ReviewQueued x:
                Apply(x);
                break;
            case ReviewAbandoned x:
                Apply(x);
                break;
            case LineagePaused x:
                Apply(x);
                break;
            case BatchStaged x:
                Apply(x);
                break;
            case StaleBatchSkipped x:
                Apply(x);
                break;
            case BatchRejected x:
                Apply(x);
                break;
            case ReviewClaimed x:
                Apply(x);
                break;
            case ReviewApproved x:
                Apply(x);
                break;
            case ReviewRejected x:
                Apply(x);
                break;
            case SchemaAccepted x:
                Apply(x);
                break;
            case MirrorProvisioned x:
                Apply(x);
                break;
            case LineageResumed x:
                Apply(x);
                break;
            case ReplayStarted x:
                Apply(x);
                break;
            case ReplayProgressed x:
                Apply(x);
                break;
            case ReplayCompleted x:
                Apply(x);
                break;
            case ReplayFailed x:
                Apply(x);
                break;
            case ReplayRestarted x:
                Apply(x);
                break;
            case BatchMaterialized x:
                Apply(x);
                break;
            case MaterializationFailed x:
                Apply(x);
                break;
            case ControlIssued x:
                Apply(x);
                break;
            case ControlAcknowledged x:
                Apply(x);
                break;
            case MaterializationReset x:
                Apply(x);
                break;
            case StagedRowsDiscarded x:
                Apply(x);
                break;
            case QuarantinedRowsRequeued x:
                Apply(x);
                break;
            case RowsQuarantined x:
                Apply(x);
                break;
            case UploadGranted x:
                UpdatedAt = x.At;
                break;
            case SnapshotReceived x:
                Apply(x);
                break;
            case SnapshotProgressed x:
                Apply(x);
                break;
            case SnapshotApplied x:
                Apply(x);
                break;
            case LineageDeleted:
                // The grain removes the snapshot with the stream; nothing is folded after it.
                UpdatedAt = e.At;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "not an event a lineage folds");
        }
        return this;
    }

    private void Apply(SchemaObserved e)
    {
        SchemaVersions.Add(new SchemaVersion(e.SchemaHash, e.Columns, e.Classification, e.At, Accepted: false));
        UpdatedAt = e.At;
    }

    private void Apply(SchemaColumnsLearned e)
    {
        var index = SchemaVersions.FindIndex(v => v.SchemaHash == e.SchemaHash);
        if (index >= 0)
            SchemaVersions[index] = SchemaVersions[index] with { Columns = e.Columns };
        UpdatedAt = e.At;
    }

    private void Apply(ReviewQueued e)
    {
        OpenReview = new OpenReview(e.ReviewId, e.SchemaHash, ReviewState.Queued, ActionVersion: 1, e.At);
        var index = SchemaVersions.FindIndex(v => v.SchemaHash == e.SchemaHash);
        if (index >= 0)
            SchemaVersions[index] = SchemaVersions[index] with { ReviewQueuedAt = e.At, Rejected = false };
        UpdatedAt = e.At;
    }

    private void Apply(ReviewAbandoned e)
    {
        if (OpenReview?.ReviewId == e.ReviewId)
            OpenReview = null;
        UpdatedAt = e.At;
    }

    private void Apply(LineagePaused e)
    {
        if (!PauseReasons.Contains(e.Reason))
            PauseReasons.Add(e.Reason);
        Status = LineageStatus.Paused;
        UpdatedAt = e.At;
    }

    private void Apply(BatchStaged e)
    {
        Counters = Counters with
        {
            BatchesAccepted = Counters.BatchesAccepted + 1,
            RowsReceived = Counters.RowsReceived + e.RowsStaged + e.RowsSkipped,
            RowsStaged = Counters.RowsStaged + e.RowsStaged,
            RowsDuplicate = Counters.RowsDuplicate + e.RowsSkipped,
            RowsLate = Counters.RowsLate + e.RowsLate,
            StagedRowCount = Counters.StagedRowCount + e.RowsStaged,
            StagedBytes = Counters.StagedBytes + e.Bytes,
        };
        if (e.RowsStaged > 0)
            Saw(e.JournalEpoch, e.FirstCommitSeq, e.LastCommitSeq);
        AcceptedTelemetry(e.JournalEpoch, e.FirstCommitSeq);
        UpdatedAt = e.At;
    }

    private void Apply(StaleBatchSkipped e)
    {
        Counters = Counters with
        {
            BatchesStale = Counters.BatchesStale + 1,
            RowsReceived = Counters.RowsReceived + e.Rows,
            RowsStale = Counters.RowsStale + e.Rows,
        };
        UpdatedAt = e.At;
    }

    private void Apply(BatchRejected e)
    {
        Counters = Counters with { BatchesRejected = Counters.BatchesRejected + 1 };
        LastRejectionCode = e.Code;
        UpdatedAt = e.At;
    }

    private void Apply(ReviewClaimed e)
    {
        if (OpenReview?.ReviewId == e.ReviewId)
            OpenReview = OpenReview with { State = ReviewState.InReview, ActionVersion = e.ActionVersion };
        UpdatedAt = e.At;
    }

    private void Apply(ReviewApproved e)
    {
        if (OpenReview?.ReviewId == e.ReviewId)
            OpenReview = null;
        UpdatedAt = e.At;
    }

    private void Apply(ReviewRejected e)
    {
        if (OpenReview?.ReviewId == e.ReviewId)
        {
            var index = SchemaVersions.FindIndex(v => v.SchemaHash == OpenReview.SchemaHash);
            if (index >= 0)
                SchemaVersions[index] = SchemaVersions[index] with { Rejected = true };
            OpenReview = null;
        }
        UpdatedAt = e.At;
    }

    private void Apply(SchemaAccepted e)
    {
        AcceptedSchemaHash = e.SchemaHash;
        RegistryDecisionId = e.RegistryDecisionId;
        Bindings = [.. e.Bindings];
        for (var i = 0; i < SchemaVersions.Count; i++)
            if (SchemaVersions[i].SchemaHash == e.SchemaHash)
                SchemaVersions[i] = SchemaVersions[i] with { Accepted = true };
        UpdatedAt = e.At;
    }

    private void Apply(MirrorProvisioned e)
    {
        Mirror = e.Table;
        UpdatedAt = e.At;
    }

    private void Apply(LineageResumed e)
    {
        PauseReasons.Remove(e.Reason);
        if (PauseReasons.Count == 0)
            Status = LineageStatus.Active;
        UpdatedAt = e.At;
    }

    private void Apply(ReplayStarted e)
    {
        Replay = new ReplayIntent(e.ReplayId, ReplayStatus.Running, e.Cause, e.BacklogRows, 0, 0, null, e.At, e.At, e.At);
        UpdatedAt = e.At;
    }

    private void Apply(ReplayProgressed e)
    {
        if (Replay is not null)
            Replay = Replay with { Status = ReplayStatus.Running, RowsReplayed = Replay.RowsReplayed + e.RowsApplied, LastError = null, UpdatedAt = e.At, LastProgressAt = e.At };
        Counters = Counters with
        {
            StagedRowCount = Counters.StagedRowCount - e.RowsApplied,
            StagedBytes = Counters.StagedBytes - e.BytesDrained,
            RowsMaterialized = Counters.RowsMaterialized + e.RowsApplied,
        };
        ConsecutiveFailures = 0;
        LastMaterializationError = null;
        UpdatedAt = e.At;
    }

    private void Apply(ReplayCompleted e)
    {
        if (Replay is not null)
            Replay = Replay with { Status = ReplayStatus.Completed, UpdatedAt = e.At };
        // The replay found nothing left to drain. The counts can be above zero when a row staged
        // again (a late copy of one still staged) was stored once but counted twice.
        Counters = Counters with { StagedRowCount = 0, StagedBytes = 0 };
        UpdatedAt = e.At;
    }

    private void Apply(ReplayFailed e)
    {
        if (Replay is not null)
            Replay = Replay with { Status = ReplayStatus.Failed, Failures = Replay.Failures + 1, LastError = e.Error, UpdatedAt = e.At };
        UpdatedAt = e.At;
    }

    private void Apply(ReplayRestarted e)
    {
        if (Replay is not null)
            Replay = Replay with { Status = ReplayStatus.Running, Restarts = Replay.Restarts + 1, UpdatedAt = e.At, LastProgressAt = e.At };
        UpdatedAt = e.At;
    }

    private void Apply(BatchMaterialized e)
    {
        Counters = Counters with
        {
            BatchesAccepted = Counters.BatchesAccepted + 1,
            BatchesMaterialized = Counters.BatchesMaterialized + 1,
            RowsReceived = Counters.RowsReceived + e.RowsApplied + e.RowsSkipped,
            RowsMaterialized = Counters.RowsMaterialized + e.RowsApplied,
            RowsDuplicate = Counters.RowsDuplicate + e.RowsSkipped,
            RowsLate = Counters.RowsLate + e.RowsLate,
        };
        if (e.RowsApplied > 0)
            Saw(e.JournalEpoch, e.FirstCommitSeq, e.LastCommitSeq);
        AcceptedTelemetry(e.JournalEpoch, e.FirstCommitSeq);
        ConsecutiveFailures = 0;
        LastMaterializationError = null;
        UpdatedAt = e.At;
    }

    private void Apply(MaterializationFailed e)
    {
        if (e.Permanent)
            ConsecutiveFailures = e.ConsecutiveFailures;
        LastMaterializationError = e.Error;
        UpdatedAt = e.At;
    }

    private void Apply(ControlIssued e)
    {
        DevicePaused = e.ControlKind == ControlKind.PauseLineage;
        UpdatedAt = e.At;
    }

    private void Apply(ControlAcknowledged e) => UpdatedAt = e.At;

    private void Apply(MaterializationReset e)
    {
        ConsecutiveFailures = 0;
        LastMaterializationError = null;
        UpdatedAt = e.At;
    }

    private void Apply(StagedRowsDiscarded e)
    {
        Counters = Counters with
        {
            StagedRowCount = Math.Max(0, Counters.StagedRowCount - e.Rows),
            StagedBytes = Math.Max(0, Counters.StagedBytes - e.Bytes),
            RowsQuarantined = Counters.RowsQuarantined + e.Rows,
        };
        UpdatedAt = e.At;
    }

    private void Apply(QuarantinedRowsRequeued e)
    {
        Counters = Counters with
        {
            StagedRowCount = Counters.StagedRowCount + e.Rows,
            StagedBytes = Counters.StagedBytes + e.Bytes,
            RowsQuarantined = Math.Max(0, Counters.RowsQuarantined - e.Rows),
        };
        UpdatedAt = e.At;
    }

    private void Apply(SnapshotReceived e)
    {
        if (PendingSnapshots.All(s => s.UploadId != e.UploadId))
            PendingSnapshots.Add(new PendingSnapshot(e.UploadId, e.BatchId, e.JournalEpoch, e.CommitSeq, e.SchemaHash, e.RowCount, 0, e.At));
        UpdatedAt = e.At;
    }

    private void Apply(SnapshotProgressed e)
    {
        var index = PendingSnapshots.FindIndex(s => s.UploadId == e.UploadId);
        if (index >= 0)
            PendingSnapshots[index] = PendingSnapshots[index] with { RowsApplied = e.RowsApplied };
        Counters = Counters with { RowsMaterialized = Counters.RowsMaterialized + e.ChunkRows, RowsReceived = Counters.RowsReceived + e.ChunkRows };
        if (Replay is not null)
            Replay = Replay with { Status = ReplayStatus.Running, RowsReplayed = Replay.RowsReplayed + e.ChunkRows, LastError = null, UpdatedAt = e.At, LastProgressAt = e.At };
        ConsecutiveFailures = 0;
        LastMaterializationError = null;
        UpdatedAt = e.At;
    }

    private void Apply(SnapshotApplied e)
    {
        var index = PendingSnapshots.FindIndex(s => s.UploadId == e.UploadId);
        if (index >= 0)
        {
            var rows = e.RowsApplied - PendingSnapshots[index].RowsApplied;
            Counters = Counters with { RowsMaterialized = Counters.RowsMaterialized + rows, RowsReceived = Counters.RowsReceived + rows };
            if (Replay is not null)
                Replay = Replay with { Status = ReplayStatus.Running, RowsReplayed = Replay.RowsReplayed + rows, LastError = null, UpdatedAt = e.At, LastProgressAt = e.At };
            PendingSnapshots.RemoveAt(index);
        }
        ConsecutiveFailures = 0;
        LastMaterializationError = null;
        UpdatedAt = e.At;
    }

    private void Apply(RowsQuarantined e)
    {
        Counters = Counters with
        {
            StagedRowCount = e.FromStaging ? Math.Max(0, Counters.StagedRowCount - e.Rows) : Counters.StagedRowCount,
            StagedBytes = e.FromStaging ? Math.Max(0, Counters.StagedBytes - e.Bytes) : Counters.StagedBytes,
            RowsQuarantined = Counters.RowsQuarantined + e.Rows,
        };
        UpdatedAt = e.At;
    }

    /// <summary>
    /// A copy to fold new events into, so that the state the grain holds changes only once they
    /// are committed. The lists are the only members that <c>Apply</c> changes in place; every
    /// other member is immutable or replaced whole.
    /// </summary>
    /// <summary>A batch of <paramref name="epoch"/> with rows from <paramref name="first"/> to <paramref name="last"/> was kept.</summary>
    private void Saw(Guid epoch, long first, long last)
    {
        if (Watermark is null || EpochOrder.Compare(epoch, Watermark.JournalEpoch) > 0)
        {
            Watermark = new Watermark(epoch, last);
            Seen = [new SeenRange(first, last)];
            return;
        }
        if (epoch != Watermark.JournalEpoch)
            return;
        if (last > Watermark.LastCommitSeq)
            Watermark = Watermark with { LastCommitSeq = last };
        Seen = SeenRanges.Add(Seen, first, last);
    }

    /// <summary>A telemetry batch was accepted (staged or written): its batch_seq is the one its journal positions encode.</summary>
    private void AcceptedTelemetry(Guid epoch, long firstCommitSeq)
    {
        if (!IsTelemetry || epoch != TelemetryJournal.Epoch)
            return;
        var seq = TelemetryJournal.BatchSeqOf(firstCommitSeq);
        if (LastBatchSeq is { } last && seq > last + 1)
            BatchSeqGaps += seq - last - 1;
        if (LastBatchSeq is null || seq > LastBatchSeq)
            LastBatchSeq = seq;
        AcceptedBatchSeqs = SeenRanges.Add(AcceptedBatchSeqs, seq, seq);
    }

    public Lineage Copy()
    {
        var copy = (Lineage)MemberwiseClone();
        copy.PauseReasons = [.. PauseReasons];
        copy.SchemaVersions = [.. SchemaVersions];
        copy.Bindings = [.. Bindings];
        copy.Seen = [.. Seen];
        copy.AcceptedBatchSeqs = [.. AcceptedBatchSeqs];
        copy.PendingSnapshots = [.. PendingSnapshots];
        return copy;
    }
}
