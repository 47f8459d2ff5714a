using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>A <c>sync/schema/observe</c> message before validation; see <see cref="WireEnvelope"/>.</summary>
internal sealed class SchemaObservationEnvelope : WireEnvelope
{
    public SchemaObservationEnvelope(JsonElement root) : base(root)
    {
        ObservedAt = WireJson.Property(root, "observed_at");
    }

    public JsonElement ObservedAt { get; }
}
