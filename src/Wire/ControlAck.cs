using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>A <c>sync/ingest/ack</c> message: the device acknowledges one downlink control (read it with <see cref="ControlAckReader"/>).</summary>
public sealed record ControlAck(Guid ControlId)
{
    /// <summary><c>{"format_version":1,"control_id":…}</c>, the id exactly as the control carried it.</summary>
    public static byte[] Write(string controlId) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["format_version"] = 1, ["control_id"] = controlId });
}
