using EdgeSync.Wire;

namespace EdgeSync.Agent.Capture;

/// <summary>Which tables the source database has, and their shapes.</summary>
public static class TableCatalog
{
    public const string ReservedPrefix = "__edgesync_";

    /// <summary>Ordinary tables of the main schema (no views, virtual or shadow tables), except <c>sqlite_*</c> and the agent's own <c>__edgesync_*</c>.</summary>
    public static IReadOnlyList<string> UserTables(SourceDatabase database)
    {
        using var command = database.Command("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' ORDER BY name");
        using var reader = command.ExecuteReader();
        var tables = new List<string>();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            if (!IsReserved(name))
                tables.Add(name);
        }
        return tables;
    }

    public static bool IsReserved(string name) =>
        name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase) || name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The table's columns from <c>PRAGMA table_info</c>, in declaration order; null when the table does not exist.</summary>
    public static TableShape? Shape(SourceDatabase database, string table, Microsoft.Data.Sqlite.SqliteTransaction? transaction = null)
    {
        using var command = database.Command("SELECT name, type, \"notnull\", pk FROM pragma_table_info($table) ORDER BY cid", transaction, ("$table", table));
        using var reader = command.ExecuteReader();
        var columns = new List<SchemaColumn>();
        var declared = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var type = reader.IsDBNull(1) ? "" : reader.GetString(1);
            columns.Add(new SchemaColumn(reader.GetString(0), SqliteAffinity.Of(type), reader.GetInt64(2) != 0, reader.GetInt32(3)));
            declared[reader.GetString(0)] = type;
        }
        return columns.Count == 0 ? null : new TableShape(table, columns) { DeclaredTypes = declared };
    }

    /// <summary>True for a <c>WITHOUT ROWID</c> table (it has no rowid to keep a cursor on).</summary>
    public static bool IsWithoutRowid(SourceDatabase database, string table) =>
        database.Scalar<long>("SELECT coalesce(max(wr), 0) FROM pragma_table_list WHERE schema = 'main' AND name = $t", null, ("$t", table)) != 0;
}
