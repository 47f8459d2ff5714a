namespace EdgeSync.Silo.Mqtt.External;

/// <summary>
/// The node's MQTT client ids at the external broker. The uplink session is keyed by the node's
/// slot (<c>Node:Name</c>), not by the process: a restarted or replaced node resumes it and gets
/// the uplinks the previous one held without acknowledging.
/// </summary>
public sealed record NodeClientIds(string ClusterId, string NodeName)
{
    /// <summary>The persistent session that takes uplinks and sends controls.</summary>
    public string Uplinks => $"edgesync-{ClusterId}-{NodeName}";

    /// <summary>A clean session for dynamic security commands, apart from the uplink flow.</summary>
    public string Admin => $"{Uplinks}-admin";
}
