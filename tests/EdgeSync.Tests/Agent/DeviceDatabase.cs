using EdgeSync.Agent.Config;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace EdgeSync.Tests.Agent;

/// <summary>
/// The "application" side of a device: a real SQLite file in a temporary folder, written through
/// its own connection (never the agent's), plus the agent configuration that points at it.
/// </summary>
public sealed class DeviceDatabase : IDisposable
{
    private readonly SqliteConnection _connection;

    public string Directory { get; }
    public string Path { get; }
    public string StatePath { get; }

    public DeviceDatabase(string? createSql = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("edgesync-agent-").FullName;
        Path = System.IO.Path.Combine(Directory, "app.db");
        StatePath = System.IO.Path.Combine(Directory, "state.db");
        _connection = new SqliteConnection($"Data Source={Path};Pooling=False;Default Timeout=10");
        _connection.Open();
        if (createSql is not null)
            Execute(createSql);
    }

    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command.ExecuteNonQuery();
    }

    /// <summary>Runs SQL through a connection of its own, as another process would (e.g. a clean-up script).</summary>
    public void ExecuteElsewhere(string sql)
    {
        using var other = new SqliteConnection($"Data Source={Path};Pooling=False;Default Timeout=10");
        other.Open();
        using var command = other.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public long Count(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Journal rows of <paramref name="table"/> still waiting in <c>__edgesync_journal</c>.</summary>
    public long JournalRows(string table)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM __edgesync_journal WHERE table_name = $t";
        command.Parameters.AddWithValue("$t", table);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Every row of the table as SQLite holds it (typed values), keyed by the primary key values joined with '|'.</summary>
    public Dictionary<string, Dictionary<string, object?>> Rows(string table, params string[] key) =>
        RowsKeyed($"SELECT * FROM {SqliteSource.Quote(table)}", key);

    /// <summary>The rows of a query, keyed by the text of column <paramref name="key"/> (e.g. a telemetry table's rowid).</summary>
    public Dictionary<string, Dictionary<string, object?>> RowsById(string sql, string key) => RowsKeyed(sql, [key]);

    /// <summary>The rows of a query, keyed by the texts of the <paramref name="key"/> columns joined with '|'.</summary>
    private Dictionary<string, Dictionary<string, object?>> RowsKeyed(string sql, string[] key)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<string, Dictionary<string, object?>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, object?>();
            for (var i = 0; i < reader.FieldCount; i++)
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows[string.Join("|", key.Select(k => Convert.ToString(row[k], System.Globalization.CultureInfo.InvariantCulture)))] = row;
        }
        return rows;
    }

    /// <summary>An agent configuration for this database and the device on the node's embedded broker.</summary>
    public AgentConfig ConfigFor(RegisteredDevice device, int mqttPort, MqttProtocol protocol = MqttProtocol.V5, string? password = null,
        IReadOnlyDictionary<string, TableStrategy>? tables = null) => new()
    {
        Broker = new BrokerAddress("127.0.0.1", mqttPort, false),
        Username = device.Username,
        Password = password ?? device.Secret,
        DeviceName = device.Name,
        RootTopic = device.TopicRoot,
        DatabasePath = Path,
        StateDatabasePath = StatePath,
        FlushInterval = TimeSpan.FromMilliseconds(300),
        Protocol = protocol,
        Tables = tables,
        ReconnectMaxDelay = TimeSpan.FromSeconds(2),
    };

    public void Dispose()
    {
        _connection.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
