using EdgeSync.Mirrors;
using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Silo.Database;

/// <summary>
/// The rights of the role a node runs as when it applies no DDL (docs/deployment.md): rows of the
/// core tables, their sequences and functions, and CREATE on the mirror schemas only — approving a
/// schema creates a mirror table and its tombstone table at run time.
/// </summary>
public static class RuntimeRole
{
    /// <summary>The Orleans tables of <c>orleans-postgresql.sql</c> and the migration marks.</summary>
    private static readonly string[] OrleansTables =
        ["orleansquery", "orleansmembershipversiontable", "orleansmembershiptable", "orleansstorage", "orleansreminderstable"];

    /// <summary>The GRANT statements for <paramref name="role"/>, every name quoted.</summary>
    public static IReadOnlyList<string> Grants(string role, string database, EdgeStoreSettings settings)
    {
        var grantee = PgIdentifier.Quote(role);
        var store = PgIdentifier.Quote(settings.Schema);
        var mirrors = string.Join(", ", MirrorSchemas.Of(settings).Select(PgIdentifier.Quote));
        return
        [
            // TEMPORARY: the time-series writer stages a batch in a temporary table.
            $"GRANT CONNECT, TEMPORARY ON DATABASE {PgIdentifier.Quote(database)} TO {grantee}",
            $"GRANT USAGE ON SCHEMA {store} TO {grantee}",
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {store} TO {grantee}",
            $"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {store} TO {grantee}",
            $"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {store} TO {grantee}",
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON {string.Join(", ", OrleansTables)} TO {grantee}",
            $"GRANT SELECT ON {OrleansSchema.MarksTable} TO {grantee}",
            $"GRANT USAGE, CREATE ON SCHEMA {mirrors} TO {grantee}",
            // Mirror tables created before the switch (by a node that ran as a privileged role)
            // stay that role's: the runtime role may write them, not alter or drop them.
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {mirrors} TO {grantee}",
        ];
    }

    public static async Task GrantAsync(string connectionString, string role, EdgeStoreSettings settings, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var statement in Grants(role, connection.Database, settings))
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }
}
