using System.Text.Json.Nodes;
using EdgeSync.Storage;

namespace EdgeSync.Lineages;

/// <summary>The <c>sync/ingest/control</c> message of a control, exactly as wire-protocol.md fixes it.</summary>
public static class ControlMessage
{
    public static string Json(ControlIssued control)
    {
        var message = new JsonObject
        {
            ["format_version"] = 1,
            ["control_id"] = control.ControlId.ToString(),
            ["control_kind"] = control.ControlKind,
            ["source_table"] = control.SourceTable,
            ["server_watermark"] = control.ServerWatermark,
        };
        if (control.ControlKind == ControlKind.Pause)
            message["reason"] = control.Reason;
        return message.ToJsonString();
    }

    public static PendingControl ToPending(ControlIssued control, Guid deviceId) =>
        new(control.ControlId, control.LineageId, deviceId, control.SourceTable, control.ControlKind, Json(control), control.At, null, 0);
}
