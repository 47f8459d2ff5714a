using EdgeSync.Wire;

namespace EdgeSync.Agent.Config;

/// <summary>
/// Everything the agent needs, validated. Read it with <see cref="ConfigLoader"/> (YAML file plus
/// <c>EDGESYNC_AGENT_*</c> environment variables) or build it directly (tests).
/// </summary>
public sealed record AgentConfig
{
    /// <summary><c>broker_url</c>.</summary>
    public required BrokerAddress Broker { get; init; }

    /// <summary><c>username</c>; null connects without credentials.</summary>
    public string? Username { get; init; }

    /// <summary><c>password</c>, or the value of the variable named by <c>password_env</c>.</summary>
    public string? Password { get; init; }

    /// <summary><c>device_name</c>: the device's name in its project, for messages.</summary>
    public required string DeviceName { get; init; }

    /// <summary><c>root_topic</c>, e.g. <c>demo/gw-01</c>; every topic is relative to it.</summary>
    public required string RootTopic { get; init; }

    /// <summary><c>database</c>: the application's SQLite file.</summary>
    public required string DatabasePath { get; init; }

    /// <summary><c>state_database</c>: the agent's own SQLite file (state.db).</summary>
    public required string StateDatabasePath { get; init; }

    /// <summary><c>flush_interval</c> (default 5 s).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>protocol</c> (default MQTT 5).</summary>
    public MqttProtocol Protocol { get; init; } = MqttProtocol.V5;

    /// <summary><c>tables</c>; null: every user table with strategy rows.</summary>
    public IReadOnlyDictionary<string, TableStrategy>? Tables { get; init; }

    /// <summary>
    /// The <c>timestamp_column</c> of telemetry tables that name one (<c>readings: { strategy: telemetry, timestamp_column: recorded_at }</c>);
    /// a telemetry table not listed here gets the automatic choice (see <see cref="Capture.TelemetryTimestamp"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> TimestampColumns { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary><c>bootstrap_threshold_rows</c> (default 10,000): a rows table enrolled for the first time with more rows is sent as one bootstrap upload instead of a baseline in the journal.</summary>
    public long BootstrapThresholdRows { get; init; } = 10_000;

    /// <summary><c>ca_file</c>: PEM file of the CA that signed the broker's certificate (mqtts:// only); null: the system trust store.</summary>
    public string? CaFile { get; init; }

    /// <summary>Longest wait between two connection attempts (reconnect backoff cap).</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The strategy of <paramref name="table"/>: the configured one, or rows when no list is configured, or null when a list is configured and does not name it.</summary>
    public TableStrategy? StrategyOf(string table) =>
        Tables is null ? TableStrategy.Rows : Tables.TryGetValue(table, out var strategy) ? strategy : null;

    /// <summary>
    /// The MQTT client id: the username, <c>{topic_slug}/{device_name}</c>, which brokers keep unique
    /// across projects (a device name alone is unique only in its project); the root topic when no
    /// username is configured, as it has the same form.
    /// </summary>
    public string ClientId => Username ?? RootTopic;

    /// <summary>A topic under <see cref="RootTopic"/>, e.g. <c>sync/rows/batch</c>.</summary>
    public string Topic(string relative) => DeviceTopics.Under(RootTopic, relative);
}
