using EdgeSync.Uploads;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>A device's <c>url_request</c> as the lineage grain decides on it; ids and expiry are made by the caller.</summary>
public sealed record RequestUpload(Guid NewLineageId, Guid UploadId, Guid ControlId, DeviceIdentity Device, IngestRequest Request, DateTimeOffset ExpiresAt);

/// <summary>Pure decisions on bulk uploads (docs/lineage.md, "Bulk uploads").</summary>
public static class UploadDecisions
{
    /// <summary>A grant, on a lineage created for it when the table has none yet (as <c>sync/schema/observe</c> does).</summary>
    public static Decision Grant(Lineage? state, RequestUpload command, DateTimeOffset now)
    {
        var actor = $"device:{command.Device.DeviceName}";
        var lineageId = state?.Id ?? command.NewLineageId;
        var events = new List<LineageEvent>();
        if (state is null)
            events.Add(new LineageCreated(lineageId, command.Device.ProjectId, command.Device.DeviceId, command.Device.DeviceName, command.Request.SourceTable, now, actor));
        events.Add(new UploadGranted(lineageId, command.UploadId, command.ControlId, command.Request.SegmentKind, command.ExpiresAt, now, actor));
        return new Decision(events);
    }

    /// <summary>
    /// Why a finalize cannot ingest <paramref name="upload"/> (null: it can, or it is a redelivery —
    /// see <see cref="IsRedelivery"/>). Another device's upload reads as unknown: its existence is not the sender's to learn.
    /// </summary>
    public static Rejection? Refusal(Upload? upload, DeviceIdentity device, IngestRequest finalize, DateTimeOffset now)
    {
        if (upload is null || upload.ProjectId != device.ProjectId || upload.DeviceId != device.DeviceId)
            return Invalid($"upload {finalize.UploadId} is unknown.");
        if (upload.SourceTable != finalize.SourceTable)
            return Invalid($"upload {finalize.UploadId} was granted for another table, not for \"{WireLimitsText(finalize.SourceTable)}\".");
        if (upload.SegmentKind != finalize.SegmentKind)
            return Invalid($"upload {finalize.UploadId} was granted for a {upload.SegmentKind}, not a {finalize.SegmentKind}.");
        return upload.State switch
        {
            UploadStates.Uploaded => null,
            UploadStates.Finalized when upload.BatchId == finalize.BatchId => null,
            UploadStates.Finalized => Invalid($"upload {finalize.UploadId} was finalized already under another batch_id ({upload.BatchId})."),
            UploadStates.Refused => Invalid($"upload {finalize.UploadId} was refused: {upload.Detail}"),
            UploadStates.Expired => Invalid($"upload {finalize.UploadId} expired at {upload.ExpiresAt:O} before anything was uploaded."),
            _ => Invalid($"nothing has been uploaded for upload {finalize.UploadId} yet."),
        };
    }

    public static bool IsRedelivery(Upload upload, IngestRequest finalize) =>
        upload.State == UploadStates.Finalized && upload.BatchId == finalize.BatchId;

    public static Rejection Invalid(string detail) => new(RejectionCodes.InvalidUpload, detail);

    private static string WireLimitsText(string text) => Escaping.SafeText.EscapeAndCut(text, 80);
}
