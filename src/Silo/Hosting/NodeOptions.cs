namespace EdgeSync.Silo.Hosting;

public sealed class OrleansNodeOptions
{
    public string ClusterId { get; set; } = "edgesync";
    public string ServiceId { get; set; } = "edgesync";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
}

/// <summary>Where devices connect: the node's own broker, or an external broker the node consumes from.</summary>
public enum MqttMode
{
    Embedded,
    External,
}

public sealed class MqttOptions
{
    public MqttMode Mode { get; set; } = MqttMode.Embedded;

    public int Port { get; set; } = 1883;
    /// <summary>Address the embedded broker listens on.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// Fault injection for crash tests: the process kills itself after a batch is durable and
    /// before the broker acknowledges it — the worst moment for "nothing lost, nothing doubled".
    /// </summary>
    public bool CrashBeforeAcknowledging { get; set; }

    /// <summary>How long an unacknowledged control waits before it is sent to a connected device again.</summary>
    public TimeSpan ControlResendInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often connected devices are checked against the registry: a rotated secret or a deleted device ends the session.</summary>
    public TimeSpan CredentialCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The largest MQTT packet the broker reads. Above the 512 KiB batch limit, so an oversized batch
    /// still reaches the gateway and gets its <c>payload_too_large</c> answer; anything larger closes
    /// the connection before its body is read.
    /// </summary>
    public int MaxPacketBytes { get; set; } = 1024 * 1024;

    /// <summary>Refused CONNECTs allowed per source address and per username in each second, after a burst of as many.</summary>
    public int RefusedConnectsPerSecond { get; set; } = 5;

    /// <summary>
    /// How long an uplink's grain call is tried again, with its acknowledgement held, when it fails
    /// because a node died or the cluster is changing. Above the time the cluster takes to declare
    /// a node dead and activate its grains elsewhere (13 s measured for a SIGKILL in a two-node
    /// cluster with Orleans' default membership settings), below the 30 s the reference agent
    /// waits for an acknowledgement.
    /// </summary>
    public TimeSpan ClusterRetryFor { get; set; } = TimeSpan.FromSeconds(25);
}
