using System.Text.Json;

namespace EdgeSync.Agent.Controls;

/// <summary>A downlink on <c>sync/ingest/control</c> (wire-protocol.md, "Downlink control").</summary>
public sealed record ControlMessage(string ControlId, string Kind, string? SourceTable, long? ServerWatermark, string? Reason)
{
    public const string PauseLineage = "pause_lineage";
    public const string ResumeLineage = "resume_lineage";
    public const string UrlGrant = "url_grant";

    /// <summary>The control, or null when the payload has no <c>control_id</c> (it cannot even be acknowledged).</summary>
    public static ControlMessage? TryParse(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("control_id", out var id) || id.ValueKind != JsonValueKind.String)
                return null;
            return new ControlMessage(
                id.GetString()!,
                Text(root, "control_kind") ?? "",
                Text(root, "source_table"),
                root.TryGetProperty("server_watermark", out var w) && w.ValueKind == JsonValueKind.Number && w.TryGetInt64(out var watermark) ? watermark : null,
                Text(root, "reason"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>sync/ingest/ack</c>: <c>{"format_version":1,"control_id":…}</c>.</summary>
    public byte[] Acknowledgement() =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["format_version"] = 1, ["control_id"] = ControlId });

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
