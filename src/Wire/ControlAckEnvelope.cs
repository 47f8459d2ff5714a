using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>A <c>sync/ingest/ack</c> message before validation; see <see cref="WireEnvelope"/>.</summary>
internal sealed class ControlAckEnvelope : WireEnvelope
{
    public ControlAckEnvelope(JsonElement root) : base(root)
    {
        ControlId = WireJson.Property(root, "control_id");
    }

    public JsonElement ControlId { get; }
}
