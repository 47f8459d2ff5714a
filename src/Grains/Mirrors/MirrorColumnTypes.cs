using System.Collections.Concurrent;
using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Mirrors;

/// <summary>
/// The PostgreSQL types the columns of mirror tables have now, read from the catalog: values are
/// converted for the column as the database holds it, not as the SQLite affinity would have made
/// it, so an operator's <c>ALTER TABLE … ALTER COLUMN … TYPE</c> takes effect on the next try.
/// Cached per table on this node; a failed write or a reset forgets the table, so a DDL fix is
/// seen by the retry that follows it.
/// </summary>
public sealed class MirrorColumnTypes(EdgeStoreSettings settings)
{
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _byTable = new(StringComparer.Ordinal);

    /// <summary>Reads the table's column types again on its next write.</summary>
    public void Forget(string mirrorTable) => _byTable.TryRemove(mirrorTable, out _);

    /// <summary>
    /// <paramref name="table"/> with each column's affinity replaced by the one whose conversion
    /// suits the column's actual type, and the cast each value needs (null when the transported
    /// value already has the column's type). A column the catalog does not show keeps its declared
    /// affinity: the write then fails on the missing column, permanently.
    /// </summary>
    internal async Task<ResolvedMirrorTable> ResolveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MirrorTable table, CancellationToken ct)
    {
        if (!_byTable.TryGetValue(table.Name, out var types))
        {
            types = await ReadAsync(connection, transaction, table.Name, ct);
            _byTable[table.Name] = types;
        }
        var columns = new MirrorColumn[table.Columns.Count];
        var casts = new string?[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            var column = table.Columns[i];
            var actual = types.GetValueOrDefault(column.Name) ?? column.PostgresType;
            var affinity = MirrorTypes.TransportAffinity(actual);
            columns[i] = column with { SqliteAffinity = affinity };
            casts[i] = MirrorTypes.NeedsCast(affinity, actual) ? actual : null;
        }
        return new ResolvedMirrorTable(table with { Columns = columns }, casts);
    }

    /// <summary>
    /// Column name → type as <c>format_type</c> spells it. That text comes from PostgreSQL's own
    /// catalog (identifiers in it already quoted where needed), never from a device, so it may
    /// stand in SQL as a cast target.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a
            WHERE a.attrelid = to_regclass(@table) AND a.attnum > 0 AND NOT a.attisdropped
            """, connection, transaction);
        command.Parameters.AddWithValue("table", PgIdentifier.Qualified(settings.MirrorSchema, name));
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            types[reader.GetString(0)] = reader.GetString(1);
        return types;
    }
}

/// <summary>A mirror table as it is written: affinities for the actual column types, and each column's cast (null: none).</summary>
internal sealed record ResolvedMirrorTable(MirrorTable Table, IReadOnlyList<string?> Casts)
{
    /// <summary>Column <paramref name="index"/>'s value from <paramref name="source"/>, cast to the column's type when it needs one.</summary>
    public string Value(int index, string source) => Casts[index] is { } cast ? $"{source}::{cast}" : source;
}
