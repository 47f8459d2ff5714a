using Npgsql;

namespace EdgeSync.Mirrors;

/// <summary>A relation of the mirror schema as the catalog has it; <see cref="Comment"/> names its owner.</summary>
internal sealed record MirrorRelation(uint Oid, string Kind, string? Comment);

/// <summary>
/// The catalog steps every mirror DDL shares (keyed and time-series tables): the mirror schema,
/// the advisory lock of a table name, and the relations behind candidate names.
/// </summary>
internal static class MirrorCatalog
{
    public static async Task EnsureSchemaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", connection, transaction))
        {
            exists.Parameters.AddWithValue("schema", schema);
            if ((bool)(await exists.ExecuteScalarAsync(ct))!)
                return;
        }
        // Two concurrent CREATE SCHEMA IF NOT EXISTS can still collide on pg_namespace's unique index.
        await using var create = new NpgsqlCommand(
            $"SELECT pg_advisory_xact_lock(hashtext(@key)); CREATE SCHEMA IF NOT EXISTS {PgIdentifier.Quote(schema)}", connection, transaction);
        create.Parameters.AddWithValue("key", "edgesync.mirror-schema:" + schema);
        await create.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Serialises DDL on one table name until the transaction ends.</summary>
    public static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string name, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@key))", connection, transaction);
        command.Parameters.AddWithValue("key", $"edgesync.mirror:{schema}.{name}");
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<Dictionary<string, MirrorRelation>> ReadRelationsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, IReadOnlyList<string> names, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT c.relname::text, c.oid, c.relkind::text, obj_description(c.oid, 'pg_class')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relname = ANY(@names)
            """, connection, transaction);
        command.Parameters.AddWithValue("schema", schema);
        command.Parameters.AddWithValue("names", names.ToArray());
        var relations = new Dictionary<string, MirrorRelation>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            relations[reader.GetString(0)] = new MirrorRelation(reader.GetFieldValue<uint>(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        return relations;
    }
}
