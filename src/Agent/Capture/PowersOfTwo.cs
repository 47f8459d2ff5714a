using Microsoft.Data.Sqlite;

namespace EdgeSync.Agent.Capture;

/// <summary>
/// <c>__edgesync_pow2(p, e)</c> in the source database: every power of two a double can hold,
/// 2^-1074 … 2^1023, written from .NET so each <c>p</c> is exact. The capture triggers look up the
/// largest <c>p</c> not above |v| to split a REAL into an integer mantissa and a binary exponent
/// with plain SQL: the application's SQLite may be any version, without math functions, and its
/// <c>printf</c> does not round-trip every double (see <see cref="CaptureTriggers"/>).
/// </summary>
public static class PowersOfTwo
{
    public const string Table = "__edgesync_pow2";
    public const int MinExponent = -1074;
    public const int MaxExponent = 1023;
    public const int Count = MaxExponent - MinExponent + 1;

    /// <summary>
    /// True when the table holds exactly the expected rows. Read back in full (2098 rows, about a
    /// millisecond) rather than counted: a missing or altered row would silently shift mantissas.
    /// </summary>
    public static bool IsComplete(SourceDatabase database, SqliteTransaction? transaction = null)
    {
        if (database.Scalar<long>($"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{Table}'", transaction) == 0)
            return false;
        using var command = database.Command($"SELECT p, e FROM {Table} ORDER BY e", transaction);
        using var reader = command.ExecuteReader();
        var expected = MinExponent;
        while (reader.Read())
        {
            if (expected > MaxExponent || reader.IsDBNull(0) || reader.IsDBNull(1) || reader.GetInt64(1) != expected
                || BitConverter.DoubleToInt64Bits(reader.GetDouble(0)) != BitConverter.DoubleToInt64Bits(Math.ScaleB(1, expected)))
                return false;
            expected++;
        }
        return expected == MaxExponent + 1;
    }

    /// <summary>Creates or repairs the table in the caller's transaction; true when it had to.</summary>
    public static bool Ensure(SourceDatabase database, SqliteTransaction transaction)
    {
        if (IsComplete(database, transaction))
            return false;
        // WITHOUT ROWID: the lookup is one seek in the table's own B-tree, no separate index.
        database.Execute($"CREATE TABLE IF NOT EXISTS {Table} (p REAL PRIMARY KEY, e INTEGER NOT NULL) WITHOUT ROWID", transaction);
        database.Execute($"DELETE FROM {Table}", transaction);
        using var insert = database.Command($"INSERT INTO {Table} (p, e) VALUES ($p, $e)", transaction, ("$p", 0d), ("$e", 0));
        insert.Prepare();
        for (var e = MinExponent; e <= MaxExponent; e++)
        {
            insert.Parameters["$p"].Value = Math.ScaleB(1, e);
            insert.Parameters["$e"].Value = e;
            insert.ExecuteNonQuery();
        }
        return true;
    }
}
