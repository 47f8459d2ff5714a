using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeSync.Wire;

/// <summary>
/// A downlink on <c>sync/ingest/control</c> (docs/device-protocol.md, "Downlink control"): the cloud
/// writes it with <see cref="Write"/>, the agent reads it with <see cref="TryRead"/>.
/// </summary>
public sealed record ControlMessage(string ControlId, string Kind, string? SourceTable, long? ServerWatermark, string? Reason)
{
    public const string PauseLineage = "pause_lineage";
    public const string ResumeLineage = "resume_lineage";
    public const string UrlGrant = "url_grant";

    /// <summary>The JSON text; <c>reason</c> belongs to <c>pause_lineage</c> only, and is written there even when null.</summary>
    public string Write()
    {
        var message = new JsonObject
        {
            ["format_version"] = 1,
            ["control_id"] = ControlId,
            ["control_kind"] = Kind,
            ["source_table"] = SourceTable,
            ["server_watermark"] = ServerWatermark,
        };
        if (Kind == PauseLineage)
            message["reason"] = Reason;
        return message.ToJsonString();
    }

    /// <summary>The control, or null when the payload has no <c>control_id</c> (it cannot even be acknowledged).</summary>
    public static ControlMessage? TryRead(string payload)
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

    /// <summary>The <c>sync/ingest/ack</c> payload that acknowledges this control.</summary>
    public byte[] Acknowledgement() => ControlAck.Write(ControlId);

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
