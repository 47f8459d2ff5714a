using Npgsql;

namespace EdgeSync.Silo.Database;

/// <summary>
/// Applies the project's own PostgreSQL schema for the Orleans ADO.NET providers
/// (clustering, grain storage, reminders): the embedded <c>Database/orleans-postgresql.sql</c>.
/// </summary>
/// <remarks>
/// The script is idempotent, so this is meant to run at every start before the silo starts.
/// It runs in a single transaction; the script's first statement takes a transaction-scoped
/// advisory lock, so processes that start together apply it one after the other.
/// </remarks>
public static class OrleansSchema
{
    private const string ScriptFileName = "orleans-postgresql.sql";

    private static readonly Lazy<string> CachedScript = new(ReadEmbeddedScript);

    /// <summary>The SQL text of the migration, as embedded in this assembly.</summary>
    public static string Script => CachedScript.Value;

    /// <summary>Creates or refreshes the Orleans tables and the OrleansQuery rows.</summary>
    public static async Task ApplyAsync(string connectionString, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

        await using (var command = new NpgsqlCommand(Script, connection, transaction))
        {
            // Waiting for another process that holds the advisory lock counts against this.
            command.CommandTimeout = 120;
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    private static string ReadEmbeddedScript()
    {
        var assembly = typeof(OrleansSchema).Assembly;
        var resourceName = assembly.GetManifestResourceNames()
            .SingleOrDefault(name => name.EndsWith("." + ScriptFileName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"Embedded resource '{ScriptFileName}' not found in {assembly.GetName().Name}.");

        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"Cannot open embedded resource '{resourceName}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
