using EdgeSync.Wire;
using Microsoft.Data.Sqlite;

namespace EdgeSync.Tests.Wire;

/// <summary>
/// Builds fingerprints the way a device does — from a real SQLite database file, through
/// <c>PRAGMA table_info</c> and <see cref="SqliteAffinity.Of"/> — and checks them against the
/// hashes derived with the sqlite3 CLI, jq and sha256sum.
/// </summary>
public sealed class SqliteFileFingerprintTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgesync-wire-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Fingerprints_read_from_a_sqlite_file_match_the_vectors()
    {
        var path = Path.Combine(_directory, "device.db");
        using (var create = new SqliteConnection($"Data Source={path}"))
        {
            create.Open();
            foreach (var vector in FingerprintVectors.All)
            {
                using var command = create.CreateCommand();
                command.CommandText = vector.CreateTable;
                command.ExecuteNonQuery();
            }
        }

        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        connection.Open();
        foreach (var vector in FingerprintVectors.All)
        {
            var fingerprint = ReadFingerprint(connection, vector.Table);
            Assert.True(vector.Hash == fingerprint.ComputeHash(), $"{vector.Table}: {fingerprint.ToCanonicalJson()}");
        }
    }

    [Fact]
    public void Reordered_columns_in_another_file_hash_the_same()
    {
        var path = Path.Combine(_directory, "reordered.db");
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "CREATE TABLE device_state (setpoint REAL, id INTEGER NOT NULL PRIMARY KEY, mode TEXT)";
            command.ExecuteNonQuery();
        }

        Assert.Equal(FingerprintVectors.DeviceState.Hash, ReadFingerprint(connection, "device_state").ComputeHash());
    }

    private static SchemaFingerprint ReadFingerprint(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, type, \"notnull\", pk FROM pragma_table_info($table)";
        command.Parameters.AddWithValue("$table", table);
        using var reader = command.ExecuteReader();
        var columns = new List<SchemaColumn>();
        while (reader.Read())
            columns.Add(new SchemaColumn(reader.GetString(0), SqliteAffinity.Of(reader.GetString(1)), reader.GetInt64(2) != 0, reader.GetInt32(3)));
        Assert.NotEmpty(columns);
        return new SchemaFingerprint(table, columns);
    }
}
