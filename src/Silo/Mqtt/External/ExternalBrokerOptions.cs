namespace EdgeSync.Silo.Mqtt.External;

/// <summary><c>Mqtt:External:*</c>: the broker the node consumes device uplinks from when <c>Mqtt:Mode</c> is <c>external</c>.</summary>
public sealed class ExternalBrokerOptions
{
    public const string Section = "Mqtt:External";

    /// <summary><c>mqtt://host[:port]</c> (default port 1883) or <c>mqtts://host[:port]</c> (TLS, default port 8883).</summary>
    public string Url { get; set; } = "";

    /// <summary>The node's broker account: it administers dynamic security, subscribes to the shared uplinks and publishes controls.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The shared subscription group: every node of a cluster uses the same one, so the broker spreads uplinks over them.</summary>
    public string Group { get; set; } = "edgesync";

    /// <summary>How long the broker keeps the node's session (and the uplinks queued in it) while the node is away; at least an hour.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Uplinks handled at once; also the MQTT 5 receive maximum, so the broker sends no more unacknowledged ones.</summary>
    public int MaxInFlight { get; set; } = 32;

    /// <summary>The longest wait between two connection attempts (the backoff starts at one second).</summary>
    public TimeSpan ReconnectDelayMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a dynamic security command may take before provisioning counts as failed.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the broker's device accounts are compared with the registry (also once at start).</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(10);

    public Uri Address => new(Url);

    public bool UsesTls => Address.Scheme == "mqtts";

    public int Port => Address.IsDefaultPort || Address.Port < 0 ? (UsesTls ? 8883 : 1883) : Address.Port;
}
