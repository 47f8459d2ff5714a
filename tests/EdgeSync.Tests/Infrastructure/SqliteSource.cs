using System.Text.Json.Nodes;
using EdgeSync.Wire;
using Microsoft.Data.Sqlite;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// A real SQLite table on the "device" side of a test: operations run against SQLite and each is
/// captured as the wire change a device agent would publish, so that a test can compare the cloud
/// mirror with the table's true final state.
/// </summary>
public sealed class SqliteSource : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly List<JsonObject> _pending = [];
    private long _commitSeq;
    private bool _schemaSent;

    public string Table { get; }
    public Guid Epoch { get; } = Guid.CreateVersion7();

    public SqliteSource(string table, string columnsSql)
    {
        Table = table;
        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
        Execute($"CREATE TABLE {Quote(table)} ({columnsSql})");
    }

    public static string Quote(string name) => $"\"{name.Replace("\"", "\"\"")}\"";

    public SchemaFingerprint Fingerprint()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name, type, \"notnull\", pk FROM pragma_table_info($table)";
        command.Parameters.AddWithValue("$table", Table);
        using var reader = command.ExecuteReader();
        var columns = new List<SchemaColumn>();
        while (reader.Read())
            columns.Add(new SchemaColumn(reader.GetString(0), SqliteAffinity.Of(reader.GetString(1)), reader.GetInt64(2) != 0, reader.GetInt32(3)));
        return new SchemaFingerprint(Table, columns);
    }

    public void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    /// <summary>Inserts or replaces a row and captures it (op insert, or update when the key existed).</summary>
    public void Upsert(IReadOnlyDictionary<string, object?> row)
    {
        var key = KeyOf(row);
        var existed = Read(key) is not null;
        var columns = row.Keys.ToList();
        Execute($"INSERT OR REPLACE INTO {Quote(Table)} ({string.Join(", ", columns.Select(Quote))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})",
            columns.Select((c, i) => ($"$p{i}", row[c])).ToArray());
        Capture(existed ? "update" : "insert", key, Read(key));
    }

    public void Delete(IReadOnlyDictionary<string, object?> key)
    {
        if (Read(key) is null)
            return;
        Execute($"DELETE FROM {Quote(Table)} WHERE {Where(key)}", key.Select((kv, i) => ($"$k{i}", kv.Value)).ToArray());
        Capture("delete", key, null);
    }

    /// <summary>The captured changes not yet taken, as one <c>sync/rows/batch</c> payload (null when none).</summary>
    public string? TakeBatch(bool? withColumns = null)
    {
        if (_pending.Count == 0)
            return null;
        var fingerprint = Fingerprint();
        var batch = new JsonObject
        {
            ["format_version"] = 1,
            ["capture_strategy"] = "sqlite_row_batch_v1",
            ["batch_id"] = Guid.CreateVersion7().ToString(),
            ["journal_epoch"] = Epoch.ToString(),
            ["source_table"] = Table,
            ["schema_hash"] = fingerprint.ComputeHash(),
            ["first_commit_seq"] = _pending[0]["commit_seq"]!.GetValue<long>(),
            ["last_commit_seq"] = _pending[^1]["commit_seq"]!.GetValue<long>(),
            ["rows"] = new JsonArray(_pending.Select(r => (JsonNode)r).ToArray()),
        };
        if (withColumns ?? !_schemaSent)
            batch["schema_columns"] = JsonNode.Parse(fingerprint.ToCanonicalJson());
        _schemaSent = true;
        _pending.Clear();
        return batch.ToJsonString();
    }

    public int PendingChanges => _pending.Count;

    /// <summary>The commit_seq of the last change captured: the journal position the table's content is at.</summary>
    public long CommitSeq => _commitSeq;

    /// <summary>Every row of the table, keyed by its primary key's JSON.</summary>
    public Dictionary<string, JsonObject> Rows()
    {
        var key = Fingerprint().PrimaryKey.Select(c => c.Name).ToList();
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {Quote(Table)}";
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<string, JsonObject>();
        while (reader.Read())
        {
            var row = ToJson(reader);
            rows[new JsonObject(key.Select(k => KeyValuePair.Create(k, row[k]?.DeepClone()))).ToJsonString()] = row;
        }
        return rows;
    }

    private void Capture(string op, IReadOnlyDictionary<string, object?> key, JsonObject? row) =>
        _pending.Add(new JsonObject
        {
            ["commit_seq"] = ++_commitSeq,
            ["op"] = op,
            ["pk"] = new JsonObject(key.Select(kv => KeyValuePair.Create(kv.Key, Encode(kv.Value)))),
            ["row"] = row,
        });

    private IReadOnlyDictionary<string, object?> KeyOf(IReadOnlyDictionary<string, object?> row) =>
        Fingerprint().PrimaryKey.ToDictionary(c => c.Name, c => row[c.Name]);

    private JsonObject? Read(IReadOnlyDictionary<string, object?> key)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {Quote(Table)} WHERE {Where(key)}";
        var i = 0;
        foreach (var value in key.Values)
            command.Parameters.AddWithValue($"$k{i++}", value ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ToJson(reader) : null;
    }

    private static string Where(IReadOnlyDictionary<string, object?> key) =>
        string.Join(" AND ", key.Keys.Select((k, i) => $"{Quote(k)} = $k{i}"));

    /// <summary>The wire's value encoding: INTEGER → integer, REAL → number, TEXT → string, BLOB → base64, NULL → null.</summary>
    private static JsonObject ToJson(SqliteDataReader reader)
    {
        var row = new JsonObject();
        for (var i = 0; i < reader.FieldCount; i++)
            row[reader.GetName(i)] = Encode(reader.IsDBNull(i) ? null : reader.GetValue(i));
        return row;
    }

    private static JsonNode? Encode(object? value) => value switch
    {
        null => null,
        long l => JsonValue.Create(l),
        int n => JsonValue.Create((long)n),
        double d => JsonValue.Create(d),
        string s => JsonValue.Create(s),
        byte[] b => JsonValue.Create(Convert.ToBase64String(b)),
        _ => throw new NotSupportedException(value.GetType().Name),
    };

    public void Dispose() => _connection.Dispose();
}
