using System.Text.Json.Serialization;
using EdgeSync.Storage;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// The lineage as operators see it: the document the API lists, filters and shows. The grain
/// writes it with every commit, in the same transaction as the events and the snapshot, but its
/// shape is its own: the snapshot (the grain's working state) can change without changing what
/// the HTTP API answers.
/// </summary>
public sealed class LineageView
{
    public Guid Id { get; set; }
    public Guid ProjectId { get; set; }
    public Guid DeviceId { get; set; }
    public string DeviceName { get; set; } = "";
    public string SourceTable { get; set; } = "";
    public string Status { get; set; } = "";
    public List<string> PauseReasons { get; set; } = [];
    /// <summary>A pause reason stops the backlog from being written (backpressure does not).</summary>
    public bool WritesBlocked { get; set; }
    public WatermarkView? Watermark { get; set; }
    public CountersView Counters { get; set; } = new();
    public string? AcceptedSchemaHash { get; set; }
    public Guid? RegistryDecisionId { get; set; }
    public List<SchemaVersionView> SchemaVersions { get; set; } = [];
    public OpenReviewView? OpenReview { get; set; }
    public List<BindingView> Bindings { get; set; } = [];
    public MirrorTableView? Mirror { get; set; }
    public ReplayView? ReplayIntent { get; set; }
    public int MaterializationFailureCount { get; set; }
    public string? MaterializationLastError { get; set; }
    public bool DevicePaused { get; set; }
    public string? LastRejectionCode { get; set; }
    /// <summary>Bootstrap snapshots in the backlog, oldest first.</summary>
    public List<PendingSnapshot> PendingSnapshots { get; set; } = [];
    /// <summary>The version of the lineage's stream this view shows.</summary>
    public long Version { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The lineage's kind: <c>sqlite_row_batch_v1</c> or <c>sqlite_telemetry_batch_v1</c>.</summary>
    public string CaptureStrategy { get; set; } = WireLimits.RowBatchCaptureStrategy;
    /// <summary>A telemetry lineage's timestamp column; null for rows.</summary>
    public string? TimestampColumn { get; set; }
    /// <summary>A telemetry lineage's highest accepted batch_seq.</summary>
    public long? LastBatchSeq { get; set; }
    /// <summary>batch_seqs skipped between a telemetry lineage's accepted batches.</summary>
    public long BatchSeqGaps { get; set; }

    public SchemaVersionView? FindSchema(string hash) => SchemaVersions.Find(v => v.SchemaHash == hash);

    public static LineageView From(Lineage l) => new()
    {
        Id = l.Id,
        ProjectId = l.ProjectId,
        DeviceId = l.DeviceId,
        DeviceName = l.DeviceName,
        SourceTable = l.SourceTable,
        Status = EnumNames.Of(l.Status),
        PauseReasons = l.PauseReasons.Select(EnumNames.Of).ToList(),
        WritesBlocked = l.IsWriteBlocked,
        Watermark = l.Watermark is { } w ? new WatermarkView(w.JournalEpoch, w.LastCommitSeq) : null,
        Counters = new CountersView(l.Counters.BatchesAccepted, l.Counters.BatchesRejected, l.Counters.BatchesStale, l.Counters.RowsReceived,
            l.Counters.RowsStaged, l.Counters.RowsDuplicate, l.Counters.RowsStale, l.Counters.StagedRowCount, l.Counters.StagedBytes,
            l.Counters.BatchesMaterialized, l.Counters.RowsMaterialized, l.Counters.RowsLate, l.Counters.RowsQuarantined),
        AcceptedSchemaHash = l.AcceptedSchemaHash,
        RegistryDecisionId = l.RegistryDecisionId,
        SchemaVersions = l.SchemaVersions.Select(v => new SchemaVersionView(v.SchemaHash, v.Columns, EnumNames.Of(v.Classification), v.FirstSeenAt, v.Accepted,
            v.ReviewQueuedAt, v.Rejected)).ToList(),
        OpenReview = l.OpenReview is { } r ? new OpenReviewView(r.ReviewId, r.SchemaHash, EnumNames.Of(r.State), r.ActionVersion, r.QueuedAt) : null,
        Bindings = l.Bindings.Select(b => new BindingView(b.SourceColumn, EnumNames.Of(b.Action), b.MirrorColumn, b.DataPoint, b.TimestampColumn)).ToList(),
        Mirror = l.Mirror is { } m
            ? new MirrorTableView(m.Name, m.Columns.Select(c => new MirrorColumnView(c.Name, c.SourceColumn, c.SqliteAffinity, c.KeyOrdinal, c.PostgresType)).ToList(),
                EnumNames.Of(m.Layout), m.IsTimeSeries)
            : null,
        ReplayIntent = l.Replay is { } p
            ? new ReplayView(p.ReplayId, EnumNames.Of(p.Status), p.Cause, p.BacklogRowsAtStart, p.RowsReplayed, p.Failures, p.LastError, p.StartedAt, p.UpdatedAt,
                p.LastProgressAt, p.Restarts)
            : null,
        MaterializationFailureCount = l.ConsecutiveFailures,
        MaterializationLastError = l.LastMaterializationError,
        DevicePaused = l.DevicePaused,
        LastRejectionCode = l.LastRejectionCode,
        PendingSnapshots = [.. l.PendingSnapshots],
        Version = l.Version,
        CreatedAt = l.CreatedAt,
        UpdatedAt = l.UpdatedAt,
        CaptureStrategy = l.CaptureStrategy ?? WireLimits.RowBatchCaptureStrategy,
        TimestampColumn = l.TimestampColumn,
        LastBatchSeq = l.LastBatchSeq,
        BatchSeqGaps = l.BatchSeqGaps,
    };
}

public sealed record WatermarkView(Guid JournalEpoch, long ServerWatermark);

public sealed record CountersView(
    long BatchesAccepted = 0, long BatchesRejected = 0, long BatchesStale = 0, long RowsReceived = 0, long RowsStaged = 0,
    long RowsDuplicate = 0, long RowsStale = 0, long StagedRowCount = 0, long StagedBytes = 0, long BatchesMaterialized = 0,
    long RowsMaterialized = 0, long RowsLate = 0, long RowsQuarantined = 0);

public sealed record SchemaVersionView(
    string SchemaHash, SchemaFingerprint? Columns, string Classification, DateTimeOffset FirstSeenAt, bool Accepted,
    DateTimeOffset? ReviewQueuedAt, bool Rejected);

public sealed record OpenReviewView(Guid ReviewId, string SchemaHash, string State, int ActionVersion, DateTimeOffset QueuedAt);

public sealed record BindingView(string SourceColumn, string Action, string? MirrorColumn, string? DataPoint, string? TimestampColumn);

/// <summary><see cref="Layout"/>: <c>per_device</c> or <c>coalesced</c>; a view stored before layouts existed reads as per device.</summary>
/// <see cref="TimeSeries"/>: a telemetry lineage's time-series table (rows by <c>ts</c>, no key).</summary>
public sealed record MirrorTableView(string Name, IReadOnlyList<MirrorColumnView> Columns, string Layout = "per_device", bool TimeSeries = false)
{
    [JsonIgnore]
    public bool IsCoalesced => Layout == "coalesced";

    public IReadOnlyList<MirrorColumnView> Key => Columns.Where(c => c.KeyOrdinal > 0).OrderBy(c => c.KeyOrdinal).ToList();
}

public sealed record MirrorColumnView(string Name, string SourceColumn, string SqliteAffinity, int KeyOrdinal, string PostgresType);

public sealed record ReplayView(
    Guid ReplayId, string Status, string Cause, long BacklogRowsAtStart, long RowsReplayed, int Failures, string? LastError,
    DateTimeOffset StartedAt, DateTimeOffset UpdatedAt, DateTimeOffset? LastProgressAt, int Restarts);
