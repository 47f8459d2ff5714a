using Microsoft.Data.Sqlite;

namespace EdgeSync.Agent.Capture;

/// <summary>
/// The agent's connection to the application's SQLite file. It never creates the file, and it is
/// reopened at every flush so that a file replaced on disk (restored, swapped) is noticed.
/// </summary>
public sealed class SourceDatabase : IDisposable
{
    private SqliteConnection _connection;

    public string Path { get; }

    private SourceDatabase(string path)
    {
        Path = path;
        _connection = Open(path);
    }

    /// <exception cref="SourceDatabaseMissingException">The file does not exist.</exception>
    public static SourceDatabase OpenExisting(string path) => new(path);

    public SqliteConnection Connection => _connection;

    /// <summary>Closes and opens the file again (the path may now name another file).</summary>
    public void Reopen()
    {
        var fresh = Open(Path);
        _connection.Dispose();
        _connection = fresh;
    }

    /// <summary>PRAGMA schema_version: changes whenever any connection changes the schema.</summary>
    public long SchemaVersion() => Scalar<long>("PRAGMA schema_version");

    /// <summary>PRAGMA data_version: changes when another connection commits.</summary>
    public long DataVersion() => Scalar<long>("PRAGMA data_version");

    public SqliteTransaction BeginImmediate() => _connection.BeginTransaction(deferred: false);

    public int Execute(string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, transaction, parameters);
        return command.ExecuteNonQuery();
    }

    public T Scalar<T>(string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, transaction, parameters);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public SqliteCommand Command(string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static SqliteConnection Open(string path)
    {
        if (!File.Exists(path))
            throw new SourceDatabaseMissingException(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString());
        connection.Open();
        return connection;
    }

    public void Dispose() => _connection.Dispose();
}
