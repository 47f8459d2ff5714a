namespace EdgeSync.Uploads;

/// <summary>What an upload token names: the one object a device may PUT, and until when.</summary>
public sealed record UploadClaims(Guid UploadId, Guid ProjectId, Guid DeviceId, string SourceTable, string SegmentKind, DateTimeOffset ExpiresAt);
