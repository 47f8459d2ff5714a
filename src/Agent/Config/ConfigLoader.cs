using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace EdgeSync.Agent.Config;

/// <summary>
/// Reads <c>agent.yaml</c> (snake_case fields) and applies the environment: every field can be
/// overridden by <c>EDGESYNC_AGENT_&lt;FIELD&gt;</c> (upper snake case, e.g.
/// <c>EDGESYNC_AGENT_BROKER_URL</c>); <c>EDGESYNC_AGENT_TABLES</c> is a list such as
/// <c>pump=rows,log=ignore</c>. Relative paths are resolved against the configuration file's folder.
/// </summary>
public static class ConfigLoader
{
    public const string EnvironmentPrefix = "EDGESYNC_AGENT_";

    /// <param name="path">The YAML file; null reads the environment only.</param>
    /// <param name="environment">Variable lookup; defaults to the process environment.</param>
    /// <exception cref="ConfigException">A field is missing or invalid.</exception>
    public static AgentConfig Load(string? path, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var file = path is null ? new ConfigFile() : ReadFile(path);
        var baseDirectory = path is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(path))!;

        string? Field(string name, string? fromFile)
        {
            var fromEnvironment = environment(EnvironmentPrefix + name.ToUpperInvariant());
            return string.IsNullOrEmpty(fromEnvironment) ? fromFile : fromEnvironment;
        }

        string Required(string name, string? fromFile) =>
            Field(name, fromFile) is { Length: > 0 } value
                ? value
                : throw new ConfigException($"{name} is missing (set it in the configuration file or in {EnvironmentPrefix}{name.ToUpperInvariant()})");

        var database = ResolvePath(baseDirectory, Required("database", file.Database));
        var state = Field("state_database", file.StateDatabase) is { Length: > 0 } statePath
            ? ResolvePath(baseDirectory, statePath)
            : Path.Combine(Path.GetDirectoryName(database)!, "state.db");

        var password = Field("password", file.Password);
        if (password is null && Field("password_env", file.PasswordEnv) is { Length: > 0 } passwordVariable)
            password = environment(passwordVariable)
                ?? throw new ConfigException($"password_env names the environment variable {passwordVariable}, which is not set");

        var rootTopic = Required("root_topic", file.RootTopic).TrimEnd('/');
        if (rootTopic.Contains('+') || rootTopic.Contains('#'))
            throw new ConfigException($"root_topic '{rootTopic}' must not contain MQTT wildcards");

        var caFile = Field("ca_file", file.CaFile) is { Length: > 0 } ca ? ResolvePath(baseDirectory, ca) : null;
        var tableEntries = environment(EnvironmentPrefix + "TABLES") is { Length: > 0 } tablesVariable
            ? ParseTableList(tablesVariable)
            : file.Tables is null ? null : ReadTableEntries(file.Tables);
        var threshold = Field("bootstrap_threshold_rows", file.BootstrapThresholdRows) is { Length: > 0 } thresholdText
            ? long.TryParse(thresholdText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rows)
                ? rows
                : throw new ConfigException($"bootstrap_threshold_rows '{thresholdText}' is not a whole number of rows")
            : 10_000;

        return new AgentConfig
        {
            Broker = BrokerAddress.Parse(Required("broker_url", file.BrokerUrl)),
            Username = Field("username", file.Username) is { Length: > 0 } user ? user : null,
            Password = password,
            DeviceName = Required("device_name", file.DeviceName),
            RootTopic = rootTopic,
            DatabasePath = database,
            StateDatabasePath = state,
            FlushInterval = Field("flush_interval", file.FlushInterval) is { } interval ? Durations.Parse("flush_interval", interval) : TimeSpan.FromSeconds(5),
            Protocol = ParseProtocol(Field("protocol", file.Protocol)),
            Tables = tableEntries is null ? null : ParseTables(tableEntries.ToDictionary(e => e.Key, e => e.Value.Strategy, StringComparer.Ordinal)),
            TimestampColumns = tableEntries is null
                ? new Dictionary<string, string>(StringComparer.Ordinal)
                : tableEntries.Where(e => e.Value.TimestampColumn is not null).ToDictionary(e => e.Key, e => e.Value.TimestampColumn!, StringComparer.Ordinal),
            BootstrapThresholdRows = threshold,
            CaFile = caFile,
        };
    }

    private static ConfigFile ReadFile(string path)
    {
        if (!File.Exists(path))
            throw new ConfigException($"configuration file {path} does not exist");
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .Build();
        try
        {
            return deserializer.Deserialize<ConfigFile?>(File.ReadAllText(path)) ?? new ConfigFile();
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{path}: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : "")}");
        }
    }

    private static string ResolvePath(string baseDirectory, string path) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path));

    private static MqttProtocol ParseProtocol(string? text) => text?.Trim() switch
    {
        null or "" or "5" or "5.0" or "v5" => MqttProtocol.V5,
        "3.1.1" or "311" or "v311" or "4" => MqttProtocol.V311,
        _ => throw new ConfigException($"protocol '{text}' must be 5 or 3.1.1"),
    };

    /// <summary><c>pump=rows,log=ignore,readings=telemetry:recorded_at</c> (the column after the colon is the timestamp column).</summary>
    private static Dictionary<string, TableEntry> ParseTableList(string text)
    {
        var tables = new Dictionary<string, TableEntry>(StringComparer.Ordinal);
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = item.LastIndexOf('=');
            if (equals <= 0)
                throw new ConfigException($"{EnvironmentPrefix}TABLES: '{item}' is not table=strategy");
            var value = item[(equals + 1)..].Trim();
            var colon = value.IndexOf(':');
            tables[item[..equals].Trim()] = colon < 0
                ? new TableEntry(value, null)
                : new TableEntry(value[..colon].Trim(), value[(colon + 1)..].Trim() is { Length: > 0 } column ? column : null);
        }
        return tables;
    }

    /// <summary>
    /// A table's entry is either a strategy (<c>readings: telemetry</c>) or a mapping
    /// (<c>readings: { strategy: telemetry, timestamp_column: recorded_at }</c>).
    /// </summary>
    private static Dictionary<string, TableEntry> ReadTableEntries(Dictionary<string, object?> tables)
    {
        var entries = new Dictionary<string, TableEntry>(StringComparer.Ordinal);
        foreach (var (table, value) in tables)
        {
            switch (value)
            {
                case string strategy:
                    entries[table] = new TableEntry(strategy, null);
                    break;
                case IDictionary<object, object?> map:
                    string? strategyField = null, timestampColumn = null;
                    foreach (var (key, field) in map)
                    {
                        var text = field as string;
                        switch (key as string)
                        {
                            case "strategy":
                                strategyField = text;
                                break;
                            case "timestamp_column":
                                timestampColumn = text is { Length: > 0 } ? text : null;
                                break;
                            default:
                                throw new ConfigException($"tables.{table}: unknown field '{key}' (expected strategy, timestamp_column)");
                        }
                    }
                    entries[table] = new TableEntry(strategyField ?? throw new ConfigException($"tables.{table}: strategy is missing"), timestampColumn);
                    break;
                default:
                    throw new ConfigException($"tables.{table}: expected rows, telemetry, ignore or {{ strategy: telemetry, timestamp_column: <column> }}");
            }
        }
        return entries;
    }

    private sealed record TableEntry(string? Strategy, string? TimestampColumn);

    private static Dictionary<string, TableStrategy> ParseTables(IReadOnlyDictionary<string, string?> tables) =>
        tables.ToDictionary(kv => kv.Key, kv => kv.Value?.Trim().ToLowerInvariant() switch
        {
            "rows" => TableStrategy.Rows,
            "telemetry" => TableStrategy.Telemetry,
            "ignore" => TableStrategy.Ignore,
            _ => throw new ConfigException($"tables.{kv.Key}: '{kv.Value}' must be rows, telemetry or ignore"),
        }, StringComparer.Ordinal);

    /// <summary>The YAML document as written; every field optional here, checked in <see cref="Load"/>.</summary>
    internal sealed class ConfigFile
    {
        public string? BrokerUrl { get; set; }
        public string? Username { get; set; }
        public string? Password { get; set; }
        public string? PasswordEnv { get; set; }
        public string? DeviceName { get; set; }
        public string? RootTopic { get; set; }
        public string? Database { get; set; }
        public string? StateDatabase { get; set; }
        public string? FlushInterval { get; set; }
        public string? Protocol { get; set; }
        public string? CaFile { get; set; }
        public string? BootstrapThresholdRows { get; set; }
        public Dictionary<string, object?>? Tables { get; set; }
    }
}
