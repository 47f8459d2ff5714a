using System.Security.Cryptography;
using System.Text;
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
        await using (var mark = new NpgsqlCommand(MarkSql, connection, transaction))
        {
            mark.Parameters.AddWithValue("fingerprint", Fingerprint);
            await mark.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The table where a migration records which script it applied, beside the Orleans tables: a
    /// node that applies no DDL compares it with its own script (<see cref="ReadAppliedFingerprintAsync"/>).
    /// </summary>
    public const string MarksTable = "edgesync_migrations";

    private const string Component = "orleans";

    /// <summary>The SHA-256 of <see cref="Script"/>: a different release's script has another.</summary>
    public static string Fingerprint { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Script)));

    // Written only when it changes, so that applying the same script again changes nothing.
    private static readonly string MarkSql = $"""
        CREATE TABLE IF NOT EXISTS {MarksTable} (
            component   text PRIMARY KEY,
            fingerprint text NOT NULL,
            applied_at  timestamptz NOT NULL
        );
        INSERT INTO {MarksTable} (component, fingerprint, applied_at) VALUES ('{Component}', @fingerprint, now())
        ON CONFLICT (component) DO UPDATE SET fingerprint = excluded.fingerprint, applied_at = excluded.applied_at
        WHERE {MarksTable}.fingerprint <> excluded.fingerprint
        """;

    /// <summary>The fingerprint of the script last applied to this database; null when none was.</summary>
    public static async Task<string?> ReadAppliedFingerprintAsync(string connectionString, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT CASE WHEN to_regclass('{MarksTable}') IS NULL THEN NULL ELSE 1 END", connection);
        if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is not int)
            return null;
        await using var read = new NpgsqlCommand($"SELECT fingerprint FROM {MarksTable} WHERE component = '{Component}'", connection);
        return await read.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
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
