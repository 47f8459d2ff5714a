using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Agent.Uploads;

/// <summary>The members of a <c>url_grant</c> control the upload needs.</summary>
public sealed record UrlGrant(string SourceTable, string UploadId, string PresignedUrl, DateTimeOffset ExpiresAt)
{
    /// <summary>The grant, or null when a member is missing or malformed.</summary>
    public static UrlGrant? TryRead(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            if (Text("source_table") is not { Length: > 0 } table || Text("upload_id") is not { Length: > 0 } uploadId
                || Text("presigned_url") is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || !Rfc3339.TryParse(Text("presigned_url_expires_at"), out var expires))
                return null;
            return new UrlGrant(table, uploadId, url, expires);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
