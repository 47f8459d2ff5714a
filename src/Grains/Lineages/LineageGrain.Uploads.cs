using EdgeSync.Mirrors;
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
        var open = await uploads.OpenForDeviceAsync(device.DeviceId, now);
        if (open >= uploads.Options.MaxOpenPerDevice)
            return IngestOutcome.Rejected(_lineage?.Id, new Rejection(RejectionCodes.TooManyOpenUploads,
                $"the device holds {open} open uploads (granted, or uploaded and not finalized), the most allowed; finalize them or let their URLs expire."));
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
        var outcome = await IngestAsync(device, batch, finalizesUpload: upload.UploadId);
        if (outcome.Rejection is { } rejection)
            return await RefuseUploadAsync(upload, request, $"the spilled batch was refused ({rejection.Code}): {rejection.Detail}");
        return outcome;
    }

    /// <summary>
    /// The whole object is checked first (a parse error anywhere refuses the finalize); then, in
    /// one transaction, the ledger records the finalize's batch id, the upload is finalized and the
    /// snapshot joins the backlog. Its rows are not copied anywhere: the object already is in PostgreSQL.
    /// </summary>
    private async Task<IngestOutcome> FinalizeSnapshotAsync(DeviceIdentity device, Upload upload, IngestRequest request)
    {
        SnapshotHeader header;
        try
        {
            header = await uploads.CheckSnapshotAsync(upload.UploadId);
        }
        catch (UploadFormatException e)
        {
            return await RefuseUploadAsync(upload, request, e.Message);
        }
        if (_lineage is null)
            return await RefuseUploadAsync(upload, request, "the lineage is gone.");
        if (SnapshotDecisions.Refusal(_lineage, header) is { } refused)
            return await RefuseUploadAsync(upload, request, refused);

        var command = new ReceiveSnapshot(Guid.CreateVersion7(), Guid.CreateVersion7(), device, upload.UploadId, request.BatchId!.Value, header,
            await PolicyAsync(device.ProjectId));
        // A schema the project decided for its fleet is accepted as a batch's would be: the
        // decision's mirror is provisioned first, in a transaction of its own.
        command = command with { Registry = (await WithRegistryDecisionAsync(command.AsBatch(_lineage, _lineage.FindSchema(header.SchemaHash)!.Columns))).Registry };
        var duplicate = false;
        var result = await WhileUnknownAsync(null, async () =>
        {
            if (_lineage is not { } lineage)
                return (true, CommandResult.NotFound("lineage_not_found", "the lineage is gone"));
            var now = clock.GetUtcNow();
            await using var tx = await store.BeginAsync();
            if (!await uploads.RecordSnapshotAsync(tx, lineage.Id, device.DeviceId, lineage.SourceTable, command.BatchId, header.RowCount, now))
            {
                await tx.CommitAsync();
                duplicate = true;
                return (true, CommandResult.Done);
            }
            await uploads.MarkSnapshotFinalizedAsync(tx, upload.UploadId, command.BatchId, now);
            var decision = SnapshotDecisions.Receive(lineage, command, now);
            var next = await tx.AppendAsync(lineage, lineage.Id, decision.Events);
            if (!await CommitAsync(tx, next, decision.Events))
                return (false, CommandResult.Done);
            await AfterCommitAsync(next, decision.Events);
            return (true, CommandResult.Done);
        });
        if (result.Status == 404)
            return IngestOutcome.Rejected(null, UploadDecisions.Invalid($"upload {upload.UploadId}: the lineage is gone."));
        if (!result.Succeeded)
            throw new CommitNotAppliedException(upload.LineageId);
        return duplicate ? IngestOutcome.Duplicate(upload.LineageId) : new IngestOutcome(IngestStatus.Accepted, upload.LineageId, 0, 0, null);
    }

    /// <summary>
    /// Where the replay is in the snapshot it applies: the rows still to read, after
    /// <see cref="Position"/> rows, and the next chunk being read while the last one is written.
    /// </summary>
    private sealed class SnapshotCursor(Guid uploadId, IAsyncEnumerator<RowOperation> rows, long position) : IAsyncDisposable
    {
        public Guid UploadId => uploadId;
        public long Position { get; set; } = position;
        public Task<(List<RowOperation> Rows, bool Ended)>? Ahead { get; set; }

        public async Task<(List<RowOperation> Rows, bool Ended)> ReadAsync(int limit)
        {
            var chunk = new List<RowOperation>(limit);
            while (chunk.Count < limit)
            {
                if (!await rows.MoveNextAsync())
                    return (chunk, true);
                chunk.Add(rows.Current);
            }
            return (chunk, false);
        }

        public async ValueTask DisposeAsync()
        {
            if (Ahead is { } ahead)
            {
                try
                {
                    await ahead;
                }
                catch (Exception)
                {
                    // The reader is being thrown away: what it failed on is read again, and reported, by the next one.
                }
            }
            await rows.DisposeAsync();
        }
    }

    private SnapshotCursor? _snapshotCursor;

    /// <summary>
    /// One chunk of the oldest pending snapshot: its rows as upserts at the snapshot's journal
    /// position, through the mirror's ordering guard (a row the mirror holds newer, or a newer
    /// tombstone, is left alone), with a progress event, in one transaction. The reader stays open
    /// from chunk to chunk and reads the next chunk while this one is written; after a restart or
    /// an unknown commit it is opened again at the last recorded row (re-applying rows is harmless
    /// through the guard).
    /// </summary>
    private async Task ApplySnapshotChunkAsync(Lineage lineage, PendingSnapshot snapshot, CancellationToken ct)
    {
        if (_snapshotCursor is { } open && (open.UploadId != snapshot.UploadId || open.Position != snapshot.RowsApplied))
            await CloseSnapshotCursorAsync();
        _snapshotCursor ??= new SnapshotCursor(snapshot.UploadId,
            uploads.SnapshotRowsAsync(snapshot.UploadId, snapshot.RowsApplied, snapshot.CommitSeq).GetAsyncEnumerator(CancellationToken.None), snapshot.RowsApplied);
        var cursor = _snapshotCursor;
        var limit = uploads.Options.SnapshotChunkRows;
        List<RowOperation> rows;
        bool ended;
        try
        {
            (rows, ended) = cursor.Ahead is { } ahead ? await ahead : await cursor.ReadAsync(limit);
            cursor.Ahead = null;
        }
        catch
        {
            await CloseSnapshotCursorAsync();
            throw;
        }
        ended |= snapshot.RowsApplied + rows.Count >= snapshot.RowCount;
        if (!ended)
            cursor.Ahead = Task.Run(() => cursor.ReadAsync(limit), CancellationToken.None);
        var changes = rows.Select(row => new MirrorRowChange(snapshot.JournalEpoch, row)).ToList();

        var now = clock.GetUtcNow();
        var decision = SnapshotDecisions.ChunkApplied(lineage, snapshot, changes.Count, ended, now);
        var committed = false;
        try
        {
            await using var tx = await store.BeginAsync(ct);
            if (changes.Count > 0)
                await effects.WriteAsync(tx, lineage.Id, lineage.ProjectId, lineage.DeviceId, lineage.Mirror!, lineage.Bindings, changes, now);
            if (ended)
                await uploads.SnapshotAppliedAsync(tx, snapshot.UploadId, snapshot.RowsApplied + changes.Count);
            var next = await tx.AppendAsync(lineage, lineage.Id, decision.Events);
            committed = await CommitAsync(tx, next, decision.Events);
            if (committed)
                _lineage = next;
        }
        finally
        {
            if (committed && !ended)
                cursor.Position = snapshot.RowsApplied + changes.Count;
            else
                await CloseSnapshotCursorAsync();
        }
    }

    private async Task CloseSnapshotCursorAsync()
    {
        if (_snapshotCursor is { } cursor)
        {
            _snapshotCursor = null;
            await cursor.DisposeAsync();
        }
    }

    /// <summary>The object cannot be ingested: the upload is refused for good (its bytes removed) and the finalize is answered <c>invalid_upload</c>.</summary>
    private async Task<IngestOutcome> RefuseUploadAsync(Upload upload, IngestRequest request, string detail)
    {
        logger.LogInformation("Upload {UploadId} of lineage {LineageId} refused: {Detail}", upload.UploadId, upload.LineageId, detail);
        await uploads.RefuseAsync(upload.UploadId, request.BatchId!.Value, detail);
        return IngestOutcome.Rejected(_lineage?.Id, UploadDecisions.Invalid($"upload {upload.UploadId}: {detail}"));
    }
}
