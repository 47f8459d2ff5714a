using EdgeSync.Uploads;
using EdgeSync.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Lineages;

/// <summary>
/// Bulk uploads: a <c>url_request</c> records a grant and its <c>url_grant</c> control; a
/// <c>finalize</c> ingests the uploaded object once, by the batch ledger on its batch id.
/// </summary>
public sealed partial class LineageGrain
{
    public async Task<IngestOutcome> RequestUpload(DeviceIdentity device, IngestRequest request)
    {
        await EnsureFreshAsync();
        var lineageId = await EnsureLineageIdAsync();
        var now = clock.GetUtcNow();
        var command = new RequestUpload(lineageId, Guid.CreateVersion7(), Guid.CreateVersion7(), device, request, now + uploads.Options.UrlLifetime);
        var result = await WhileUnknownAsync(null, async () =>
        {
            var decision = UploadDecisions.Grant(_lineage, command, clock.GetUtcNow());
            var lineage = _lineage?.Id ?? lineageId;
            await using var tx = await store.BeginAsync();
            await uploads.GrantAsync(tx, device, request.SourceTable, decision.Events.OfType<UploadGranted>().Single());
            var next = await tx.AppendAsync(_lineage, lineage, decision.Events);
            if (!await CommitAsync(tx, next, decision.Events))
                return (false, CommandResult.Done);
            await AfterCommitAsync(next, decision.Events);
            return (true, CommandResult.Done);
        });
        if (!result.Succeeded)
            throw new CommitNotAppliedException(lineageId);
        return new IngestOutcome(IngestStatus.Accepted, _lineage?.Id ?? lineageId, 0, 0, null);
    }

    public async Task<IngestOutcome> FinalizeUpload(DeviceIdentity device, IngestRequest request)
    {
        await EnsureFreshAsync();
        var upload = await uploads.FindAsync(request.UploadId!.Value);
        if (UploadDecisions.Refusal(upload, device, request, clock.GetUtcNow()) is { } refusal)
            return IngestOutcome.Rejected(_lineage?.Id, refusal);
        if (UploadDecisions.IsRedelivery(upload!, request))
            return IngestOutcome.Duplicate(upload!.LineageId);
        if (_lineage?.Id != upload!.LineageId)
            return await RefuseUploadAsync(upload, request, "the lineage the upload was granted to has been deleted since.");
        return upload.SegmentKind == IngestRequest.PayloadSpill
            ? await FinalizeSpillAsync(device, upload, request)
            : await FinalizeSnapshotAsync(device, upload, request);
    }

    private async Task<IngestOutcome> FinalizeSpillAsync(DeviceIdentity device, Upload upload, IngestRequest request)
    {
        WireResult<RowBatch> read;
        try
        {
            read = await uploads.ReadSpillAsync(upload.UploadId);
        }
        catch (UploadFormatException e)
        {
            return await RefuseUploadAsync(upload, request, e.Message);
        }
        if (read.Rejection is { } invalid)
            return await RefuseUploadAsync(upload, request, $"the spilled batch is not a valid row batch ({invalid.Code}): {invalid.Detail}");
        var batch = read.Value!;
        if (batch.BatchId != request.BatchId)
            return await RefuseUploadAsync(upload, request, $"the spilled batch's batch_id {batch.BatchId} differs from the finalize's {request.BatchId}.");
        if (batch.SourceTable != upload.SourceTable)
            return await RefuseUploadAsync(upload, request, "the spilled batch's source_table differs from the upload's.");
        var outcome = await IngestAsync(device, batch, upload.UploadId);
        if (outcome.Rejection is { } rejection)
            return await RefuseUploadAsync(upload, request, $"the spilled batch was refused ({rejection.Code}): {rejection.Detail}");
        return outcome;
    }

    private Task<IngestOutcome> FinalizeSnapshotAsync(DeviceIdentity device, Upload upload, IngestRequest request)
    {
        _ = device;
        // Not refused for good: a later version ingests the stored object when the device finalizes again.
        return Task.FromResult(IngestOutcome.Rejected(_lineage?.Id,
            UploadDecisions.Invalid($"upload {upload.UploadId}: bootstrap snapshots are not ingested by this version of the service yet (batch {request.BatchId}).")));
    }

    /// <summary>The object cannot be ingested: the upload is refused for good (its bytes removed) and the finalize is answered <c>invalid_upload</c>.</summary>
    private async Task<IngestOutcome> RefuseUploadAsync(Upload upload, IngestRequest request, string detail)
    {
        logger.LogInformation("Upload {UploadId} of lineage {LineageId} refused: {Detail}", upload.UploadId, upload.LineageId, detail);
        await uploads.RefuseAsync(upload.UploadId, request.BatchId!.Value, detail);
        return IngestOutcome.Rejected(_lineage?.Id, UploadDecisions.Invalid($"upload {upload.UploadId}: {detail}"));
    }
}
