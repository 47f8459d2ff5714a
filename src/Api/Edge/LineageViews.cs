using System.Text.Json;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using EdgeSync.Wire;

namespace EdgeSync.Api.Edge;

/// <summary>The API's shapes of lineages, reviews, staged rows and rejections (snake_case on the wire).</summary>
public sealed record LineageSummary(
    Guid Id, Guid ProjectId, Guid DeviceId, string DeviceName, string SourceTable, string Status,
    IReadOnlyList<string> PauseReasons, string? AcceptedSchemaHash, long StagedRowCount, long StagedBytes,
    long? ServerWatermark, Guid? JournalEpoch, Guid? OpenReviewId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string CaptureStrategy, string? TimestampColumn, long? LastBatchSeq, long BatchSeqGaps,
    string? MaterializationLastError = null, string? LastRejectionCode = null)
{
    public static LineageSummary From(LineageView l) => new(
        l.Id, l.ProjectId, l.DeviceId, l.DeviceName, l.SourceTable, l.Status, l.PauseReasons, l.AcceptedSchemaHash,
        l.Counters.StagedRowCount, l.Counters.StagedBytes, l.Watermark?.ServerWatermark, l.Watermark?.JournalEpoch,
        l.OpenReview?.ReviewId, l.CreatedAt, l.UpdatedAt, l.CaptureStrategy, l.TimestampColumn, l.LastBatchSeq, l.BatchSeqGaps,
        l.MaterializationLastError, l.LastRejectionCode);
}

public sealed record LineageDetail(
    Guid Id, Guid ProjectId, Guid DeviceId, string DeviceName, string SourceTable, string Status,
    IReadOnlyList<string> PauseReasons, WatermarkView? Watermark, CountersView Counters,
    string? AcceptedSchemaHash, IReadOnlyList<SchemaVersionView> SchemaVersions, OpenReviewView? OpenReview,
    IReadOnlyList<BindingView> Bindings, MirrorTableView? Mirror, ReplayView? ReplayIntent,
    int MaterializationFailureCount, string? MaterializationLastError, bool DevicePaused, IReadOnlyList<PendingControlView> PendingControls,
    string? LastRejectionCode, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, Guid? RegistryDecisionId,
    string CaptureStrategy, string? TimestampColumn, long? LastBatchSeq, long BatchSeqGaps,
    IReadOnlyList<PendingSnapshot>? PendingSnapshots = null)
{
    public static LineageDetail From(LineageView l, IReadOnlyList<PendingControl> controls) => new(
        l.Id, l.ProjectId, l.DeviceId, l.DeviceName, l.SourceTable, l.Status, l.PauseReasons, l.Watermark, l.Counters,
        l.AcceptedSchemaHash, l.SchemaVersions, l.OpenReview, l.Bindings, l.Mirror, l.ReplayIntent,
        l.MaterializationFailureCount, l.MaterializationLastError, l.DevicePaused, controls.Select(PendingControlView.From).ToList(),
        l.LastRejectionCode, l.Version, l.CreatedAt, l.UpdatedAt, l.RegistryDecisionId, l.CaptureStrategy, l.TimestampColumn, l.LastBatchSeq, l.BatchSeqGaps,
        l.PendingSnapshots ?? []);
}

/// <summary>A downlink waiting for the device's acknowledgement, with the message as sent.</summary>
public sealed record PendingControlView(Guid ControlId, string ControlKind, JsonElement Message, DateTimeOffset CreatedAt, DateTimeOffset? LastSentAt, int SendCount)
{
    public static PendingControlView From(PendingControl c)
    {
        var payload = c.PayloadJson;
        // A grant's URL is the device's credential for its upload: operators see that it was sent, not the URL.
        if (c.ControlKind == PendingControl.UrlGrantKind && System.Text.Json.Nodes.JsonNode.Parse(payload) is System.Text.Json.Nodes.JsonObject grant)
        {
            grant.Remove("presigned_url");
            payload = grant.ToJsonString();
        }
        using var message = JsonDocument.Parse(payload);
        return new(c.ControlId, c.ControlKind, message.RootElement.Clone(), c.CreatedAt, c.LastSentAt, c.SendCount);
    }
}

public sealed record SchemaReviewView(
    Guid Id, Guid LineageId, Guid DeviceId, string SourceTable, string SchemaHash, string Classification,
    string State, int ActionVersion, bool Automatic, DateTimeOffset QueuedAt, DateTimeOffset UpdatedAt)
{
    public static SchemaReviewView From(SchemaReview r) => new(
        r.Id, r.LineageId, r.DeviceId, r.SourceTable, r.SchemaHash, r.Classification, r.State, r.ActionVersion, r.Automatic, r.QueuedAt, r.UpdatedAt);
}

public sealed record SchemaReviewDetail(
    Guid Id, Guid LineageId, Guid DeviceId, string SourceTable, string SchemaHash, string Classification,
    string State, int ActionVersion, IReadOnlyList<SchemaColumn>? ProposedColumns, IReadOnlyList<SchemaColumn>? AcceptedColumns,
    SchemaDiff Diff, bool CanBeApproved, bool Automatic, string? MirrorTableName, string? DecisionReason, string? LastActor,
    DateTimeOffset QueuedAt, DateTimeOffset UpdatedAt)
{
    public static SchemaReviewDetail From(SchemaReview r, LineageView lineage)
    {
        var proposed = lineage.FindSchema(r.SchemaHash)?.Columns;
        var accepted = lineage.AcceptedSchemaHash is { } hash ? lineage.FindSchema(hash)?.Columns : null;
        return new(r.Id, r.LineageId, r.DeviceId, r.SourceTable, r.SchemaHash, r.Classification, r.State, r.ActionVersion,
            proposed?.Columns, accepted?.Columns, SchemaDiff.Between(accepted, proposed),
            CanBeApproved: proposed is not null && (r.State == EnumNames.Of(ReviewState.Queued) || r.State == EnumNames.Of(ReviewState.InReview)),
            r.Automatic, r.MirrorTableName, r.DecisionReason, r.LastActor, r.QueuedAt, r.UpdatedAt);
    }
}

public sealed record StagedRowView(
    long SourceCommitSeq, Guid JournalEpoch, string Op, JsonElement Pk, JsonElement? Row,
    string StagingReason, int Bytes, bool Compressed, Guid BatchId, DateTimeOffset StagedAt)
{
    public static StagedRowView From(StagedRow r) => new(
        r.SourceCommitSeq, r.JournalEpoch, r.Op, Parse(r.PkJson), r.RowJson is null ? null : Parse(r.RowJson),
        r.StagingReason, r.Bytes, r.Compressed, r.BatchId, r.StagedAt);

    internal static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

/// <summary>A row in the quarantine: <see cref="Kind"/> is <c>discarded</c> (an operator) or <c>quarantined</c> (the policy).</summary>
public sealed record QuarantinedRowView(
    long SourceCommitSeq, Guid JournalEpoch, string Op, JsonElement Pk, JsonElement? Row, string Kind, string? Error, string Actor,
    string? Reason, DateTimeOffset QuarantinedAt, int Bytes, bool Compressed, Guid BatchId, DateTimeOffset? StagedAt)
{
    public static QuarantinedRowView From(QuarantinedRow r) => new(
        r.SourceCommitSeq, r.JournalEpoch, r.Op, StagedRowView.Parse(r.PkJson), r.RowJson is null ? null : StagedRowView.Parse(r.RowJson),
        r.Kind, r.Error, r.Actor, r.Reason, r.QuarantinedAt, r.Bytes, r.Compressed, r.BatchId, r.StagedAt);
}

public sealed record LineageEventView(long Version, long Sequence, string Type, DateTimeOffset Timestamp, object Data);

public sealed record RejectionView(
    long Id, Guid DeviceId, string Topic, string? SourceTable, string? BatchId, string Code, string Detail, int PayloadBytes, DateTimeOffset ReceivedAt)
{
    public static RejectionView From(RejectionRecord r) => new(
        r.Id, r.DeviceId, r.Topic, r.SourceTable, r.BatchId, r.Code, r.Detail, r.PayloadBytes, r.ReceivedAt);
}
