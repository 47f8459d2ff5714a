using System.Text.Json;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>Mosquitto's answer to one dynamic security command: an error text, or success with optional data.</summary>
public sealed record DynamicSecurityResponse(string Command, string? Error, JsonElement? Data)
{
    public bool Succeeded => Error is null;
}
