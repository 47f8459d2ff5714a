using System.Text.Json.Nodes;
using EdgeSync.Wire;

namespace EdgeSync.Uploads;

/// <summary>The <c>url_grant</c> control a device gets on <c>sync/ingest/control</c> (docs/device-protocol.md, "Bulk uploads").</summary>
public static class UrlGrantMessage
{
    public static string Write(Guid controlId, string sourceTable, Guid uploadId, string presignedUrl, DateTimeOffset expiresAt) =>
        new JsonObject
        {
            ["format_version"] = WireLimits.FormatVersion,
            ["control_id"] = controlId.ToString(),
            ["control_kind"] = ControlMessage.UrlGrant,
            ["source_table"] = sourceTable,
            ["upload_id"] = uploadId.ToString(),
            ["presigned_url"] = presignedUrl,
            ["presigned_url_expires_at"] = expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        }.ToJsonString();
}
