using EdgeSync.Storage;
using EdgeSync.Uploads;
using EdgeSync.Wire;
using Microsoft.Extensions.Options;

namespace EdgeSync.Lineages;

/// <summary>The side effects of bulk uploads, performed in a lineage's transaction: the upload record, its url_grant, its finalize.</summary>
public sealed class LineageUploads(UploadStore uploads, UploadTokens tokens, PendingControls controls, BatchLedger ledger, IOptions<UploadOptions> options)
{
    public UploadOptions Options => options.Value;

    /// <summary>Records the upload and the url_grant control that carries its URL (the URL is a credential: it is kept with the control, not in the event).</summary>
    public async Task GrantAsync(LineageTransaction tx, DeviceIdentity device, string sourceTable, UploadGranted granted, CancellationToken ct = default)
    {
        var claims = new UploadClaims(granted.UploadId, device.ProjectId, device.DeviceId, sourceTable, granted.SegmentKind, granted.ExpiresAt);
        var url = $"{BaseUrl()}/core/api/v1/uploads/{await tokens.SignAsync(claims, ct)}";
        await uploads.GrantAsync(tx.Connection, tx.Transaction, new Upload(granted.UploadId, device.ProjectId, device.DeviceId, granted.LineageId,
            sourceTable, granted.SegmentKind, UploadStates.Granted, null, granted.At, granted.ExpiresAt, null, null, null, null, null), ct);
        var message = UrlGrantMessage.Write(granted.ControlId, sourceTable, granted.UploadId, url, granted.ExpiresAt);
        await controls.RecordAsync(tx.Connection, tx.Transaction, new PendingControl(granted.ControlId, granted.LineageId, device.DeviceId, sourceTable,
            PendingControl.UrlGrantKind, message, granted.At, null, 0, granted.ExpiresAt), ct);
    }

    public Task<Upload?> FindAsync(Guid uploadId) => uploads.FindAsync(uploadId);

    /// <summary>The device's open uploads, after giving up those not finalized in time.</summary>
    public Task<int> OpenForDeviceAsync(Guid deviceId, DateTimeOffset now) => uploads.OpenForDeviceAsync(deviceId, now - Options.FinalizeWithin);

    /// <summary>The spilled batch of an upload; throws <see cref="UploadFormatException"/> when the object does not parse.</summary>
    public Task<WireResult<RowBatch>> ReadSpillAsync(Guid uploadId, CancellationToken ct = default) =>
        SpilledBatch.ReadAsync(uploads.OpenObject(uploadId), options.Value, ct);

    /// <summary>The upload is finalized with its rows, and its bytes are no longer needed.</summary>
    public async Task FinalizeAsync(LineageTransaction tx, Guid uploadId, Guid batchId, long rows, DateTimeOffset now)
    {
        await uploads.FinalizeAsync(tx.Connection, tx.Transaction, uploadId, batchId, rows, now);
        await uploads.DeleteChunksAsync(tx.Connection, tx.Transaction, uploadId);
    }

    /// <summary>Records a snapshot's finalize in the batch ledger; false when it was recorded before (a redelivery).</summary>
    public Task<bool> RecordSnapshotAsync(LineageTransaction tx, Guid lineageId, Guid deviceId, string sourceTable, Guid batchId, long rows, DateTimeOffset now) =>
        ledger.TryRecordAsync(tx.Connection, tx.Transaction, deviceId, batchId, lineageId, sourceTable, IngestRequest.BootstrapSnapshot, (int)Math.Min(int.MaxValue, rows), now);

    /// <summary>The snapshot's upload is finalized; its bytes stay until the replay has applied them.</summary>
    public Task MarkSnapshotFinalizedAsync(LineageTransaction tx, Guid uploadId, Guid batchId, DateTimeOffset now) =>
        uploads.FinalizeAsync(tx.Connection, tx.Transaction, uploadId, batchId, null, now);

    public Task SnapshotAppliedAsync(LineageTransaction tx, Guid uploadId, long rows) =>
        uploads.SnapshotAppliedAsync(tx.Connection, tx.Transaction, uploadId, rows);

    /// <summary>The snapshot's header once the whole object has been checked; throws <see cref="UploadFormatException"/>.</summary>
    public Task<SnapshotHeader> CheckSnapshotAsync(Guid uploadId, CancellationToken ct = default) =>
        SnapshotObject.CheckAsync(uploads.OpenObject(uploadId), options.Value, ct);

    public IAsyncEnumerable<RowOperation> SnapshotRowsAsync(Guid uploadId, long skip, long commitSeq, CancellationToken ct = default) =>
        SnapshotObject.RowsAsync(uploads.OpenObject(uploadId), options.Value, skip, commitSeq, ct);

    public Task RemoveForLineageAsync(LineageTransaction tx, Guid lineageId) =>
        uploads.RemoveForLineageAsync(tx.Connection, tx.Transaction, lineageId);

    public Task RefuseAsync(Guid uploadId, Guid batchId, string detail) => uploads.RefuseAsync(uploadId, batchId, detail);

    private string BaseUrl() => (options.Value.PublicBaseUrl ?? "http://127.0.0.1:5080").TrimEnd('/');
}
