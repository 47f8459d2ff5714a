using EdgeSync.Agent.Config;

namespace EdgeSync.Tests.Agent;

[Trait("Category", "Fast")]
public sealed class AgentConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgesync-agent-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string yaml)
    {
        var path = Path.Combine(_directory, "agent.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string Minimal = """
        broker_url: mqtts://broker.example:8883
        username: demo/gw-01
        password_env: GW_SECRET
        device_name: gw-01
        root_topic: demo/gw-01/
        database: data/app.db
        """;

    [Fact]
    public void The_yaml_file_is_read_with_defaults_and_relative_paths_resolved_against_its_folder()
    {
        var config = ConfigLoader.Load(Write(Minimal), name => name == "GW_SECRET" ? "s3cret" : null);

        Assert.Equal(new BrokerAddress("broker.example", 8883, true), config.Broker);
        Assert.Equal("s3cret", config.Password);
        Assert.Equal("demo/gw-01", config.RootTopic);
        Assert.Equal("demo/gw-01/sync/rows/batch", config.Topic("sync/rows/batch"));
        Assert.Equal(Path.Combine(_directory, "data", "app.db"), config.DatabasePath);
        Assert.Equal(Path.Combine(_directory, "data", "state.db"), config.StateDatabasePath);
        Assert.Equal(TimeSpan.FromSeconds(5), config.FlushInterval);
        Assert.Equal(MqttProtocol.V5, config.Protocol);
        Assert.Null(config.Tables);
        Assert.Equal(TableStrategy.Rows, config.StrategyOf("anything"));
    }

    [Fact]
    public void Every_field_can_be_overridden_by_an_EDGESYNC_AGENT_variable()
    {
        var environment = new Dictionary<string, string>
        {
            ["GW_SECRET"] = "unused",
            ["EDGESYNC_AGENT_BROKER_URL"] = "mqtt://10.0.0.5",
            ["EDGESYNC_AGENT_PASSWORD"] = "from-env",
            ["EDGESYNC_AGENT_FLUSH_INTERVAL"] = "250ms",
            ["EDGESYNC_AGENT_PROTOCOL"] = "3.1.1",
            ["EDGESYNC_AGENT_STATE_DATABASE"] = "/var/lib/edgesync/state.db",
            ["EDGESYNC_AGENT_TABLES"] = "pump=rows, log=ignore,series=telemetry",
        };
        var config = ConfigLoader.Load(Write(Minimal + "\ntables:\n  other: rows\n"), environment.GetValueOrDefault);

        Assert.Equal(new BrokerAddress("10.0.0.5", 1883, false), config.Broker);
        Assert.Equal("from-env", config.Password);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.FlushInterval);
        Assert.Equal(MqttProtocol.V311, config.Protocol);
        Assert.Equal("/var/lib/edgesync/state.db", config.StateDatabasePath);
        Assert.Equal(TableStrategy.Rows, config.StrategyOf("pump"));
        Assert.Equal(TableStrategy.Ignore, config.StrategyOf("log"));
        Assert.Equal(TableStrategy.Telemetry, config.StrategyOf("series"));
        Assert.Null(config.StrategyOf("other")); // the variable replaces the file's list
    }

    [Fact]
    public void A_telemetry_table_names_its_timestamp_column_in_the_mapping_form_or_after_a_colon_in_the_variable_and_the_bootstrap_threshold_is_read()
    {
        var config = ConfigLoader.Load(Write(Minimal + """

            bootstrap_threshold_rows: 500
            tables:
              pump: rows
              readings: { strategy: telemetry, timestamp_column: recorded_at }
              samples: telemetry
            """), name => name == "GW_SECRET" ? "s" : null);
        Assert.Equal(TableStrategy.Telemetry, config.StrategyOf("readings"));
        Assert.Equal(TableStrategy.Telemetry, config.StrategyOf("samples"));
        Assert.Equal(TableStrategy.Rows, config.StrategyOf("pump"));
        Assert.Equal(new Dictionary<string, string> { ["readings"] = "recorded_at" }, config.TimestampColumns);
        Assert.Equal(500, config.BootstrapThresholdRows);
        Assert.Equal(10_000, ConfigLoader.Load(Write(Minimal), name => name == "GW_SECRET" ? "s" : null).BootstrapThresholdRows);

        var fromVariable = ConfigLoader.Load(Write(Minimal), name => name switch
        {
            "GW_SECRET" => "s",
            "EDGESYNC_AGENT_TABLES" => "readings=telemetry:recorded_at,pump=rows",
            _ => null,
        });
        Assert.Equal(TableStrategy.Telemetry, fromVariable.StrategyOf("readings"));
        Assert.Equal("recorded_at", fromVariable.TimestampColumns["readings"]);
    }

    [Theory]
    [InlineData("broker_url: mqtt://x\ndevice_name: a\nroot_topic: a\ndatabase: a.db\ntables:\n  t: { strategy: telemetry, timestamp: ts }", "tables.t")]
    [InlineData("broker_url: mqtt://x\ndevice_name: a\nroot_topic: a\ndatabase: a.db\nbootstrap_threshold_rows: many", "bootstrap_threshold_rows")]
    [InlineData("broker_url: ftp://x\ndevice_name: a\nroot_topic: a\ndatabase: a.db", "broker_url")]
    [InlineData("broker_url: mqtt://x\nroot_topic: a\ndatabase: a.db", "device_name is missing")]
    [InlineData("broker_url: mqtt://x\ndevice_name: a\nroot_topic: a/#\ndatabase: a.db", "wildcards")]
    [InlineData("broker_url: mqtt://x\ndevice_name: a\nroot_topic: a\ndatabase: a.db\nflush_interval: soon", "flush_interval")]
    [InlineData("broker_url: mqtt://x\ndevice_name: a\nroot_topic: a\ndatabase: a.db\nprotocol: 4.0", "protocol")]
    [InlineData("broker_url: mqtt://x\ndevice_name: a\nroot_topic: a\ndatabase: a.db\ntables:\n  t: mirror", "tables.t")]
    [InlineData("broker_url: mqtt://x\ndevice_name: a\nroot_topic: a\ndatabase: a.db\npassword_env: NOT_SET_ANYWHERE", "NOT_SET_ANYWHERE")]
    [InlineData("broker_url: mqtt://x\ndevice_name: a\nroot_topic: a\ndatabase: a.db\nbrokr: typo", "brokr")]
    public void Invalid_configuration_says_which_field(string yaml, string mentioned)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Write(yaml), _ => null));
        Assert.Contains(mentioned, error.Message);
    }
}
