using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// The single writer of one (device, source table) lineage. Its key is <see cref="KeyOf"/>;
/// the lineage id behind it changes only when the lineage is deleted and started anew.
/// </summary>
[Alias("EdgeSync.Lineages.ILineageGrain")]
public interface ILineageGrain : IGrainWithStringKey
{
    [Alias("IngestRows")]
    Task<IngestOutcome> IngestRows(DeviceIdentity device, RowBatch batch);

    [Alias("IngestTelemetry")]
    Task<IngestOutcome> IngestTelemetry(DeviceIdentity device, TelemetryBatch batch);

    [Alias("ObserveSchema")]
    Task<IngestOutcome> ObserveSchema(DeviceIdentity device, SchemaObservation observation);

    /// <summary>A device's <c>url_request</c>: a grant recorded with its <c>url_grant</c> control (the lineage is created when absent).</summary>
    [Alias("RequestUpload")]
    Task<IngestOutcome> RequestUpload(DeviceIdentity device, IngestRequest request);

    /// <summary>A device's <c>finalize</c>: the uploaded object ingested once (a redelivery is a duplicate), or refused <c>invalid_upload</c>.</summary>
    [Alias("FinalizeUpload")]
    Task<IngestOutcome> FinalizeUpload(DeviceIdentity device, IngestRequest request);

    [Alias("ClaimReview")]
    Task<CommandResult> ClaimReview(ClaimReview command);

    [Alias("ApproveReview")]
    Task<CommandResult> ApproveReview(ApproveReview command);

    [Alias("RejectReview")]
    Task<CommandResult> RejectReview(RejectReview command);

    [Alias("PauseLineage")]
    Task<CommandResult> PauseLineage(PauseLineage command);

    [Alias("ResumeLineage")]
    Task<CommandResult> ResumeLineage(ResumeLineage command);

    [Alias("ResetMaterialization")]
    Task<CommandResult> ResetMaterialization(ResetMaterialization command);

    [Alias("DiscardStagedRows")]
    Task<RowsMoved> DiscardStagedRows(DiscardStagedRows command);

    [Alias("RequeueQuarantinedRows")]
    Task<RowsMoved> RequeueQuarantinedRows(RequeueQuarantinedRows command);

    [Alias("DeleteLineage")]
    Task<CommandResult> DeleteLineage(DeleteLineage command);

    /// <summary>The device acknowledged one of this lineage's controls.</summary>
    [Alias("AcknowledgeControl")]
    Task AcknowledgeControl(Guid controlId);

    [Alias("GetLineageId")]
    Task<Guid?> GetLineageId();

    /// <summary>
    /// The watchdog's call: reloads the lineage, and when it has a staged backlog that nothing
    /// blocks and its replay made no progress for <paramref name="stalledAfter"/>, records that and
    /// restarts the replay. Returns whether it did.
    /// </summary>
    [Alias("RestartStalledReplay")]
    Task<bool> RestartStalledReplay(TimeSpan stalledAfter);

    static string KeyOf(Guid deviceId, string sourceTable) => $"{deviceId:N}/{sourceTable}";
}
