using EdgeSync.Api;
using EdgeSync.Mirrors;
using EdgeSync.Storage;
using Marten;
using Npgsql;
using Weasel.Core;

namespace EdgeSync.Silo.Database;

/// <summary>
/// Every schema the node needs, in one place: the Orleans tables, Marten's schema with the service
/// tables, and the mirror schemas. Applied at every start by default, or once by the
/// <c>migrate</c> command; a node that applies none checks instead that they are current.
/// </summary>
public static class SchemaMigrations
{
    /// <summary>What <see cref="ApplyAsync"/> changed.</summary>
    public sealed record Outcome(bool OrleansChanged, IReadOnlyList<string> StoreChanges);

    /// <summary>
    /// Applies every migration. Idempotent, and serialised between processes by the same locks a
    /// starting node takes (the Orleans script's advisory lock, Marten's apply lock, the mirror
    /// schema lock).
    /// </summary>
    public static async Task<Outcome> ApplyAsync(string connectionString, string storeSchema, CancellationToken ct = default)
    {
        var orleansBefore = await OrleansSchema.ReadAppliedFingerprintAsync(connectionString, ct);
        await OrleansSchema.ApplyAsync(connectionString, ct);

        await using var services = StoreServices(connectionString, storeSchema, applyMigrations: true);
        var store = services.GetRequiredService<IDocumentStore>();
        var pending = await StoreDifferencesAsync(store, ct);
        if (pending.Count > 0)
        {
            // Marten's start-up service applies the changes under its advisory lock, exactly as a
            // starting node does; calling the storage API directly would not take that lock.
            foreach (var service in services.GetServices<IHostedService>())
            {
                await service.StartAsync(ct);
                await service.StopAsync(ct);
            }
            var left = await StoreDifferencesAsync(store, ct);
            if (left.Count > 0)
                throw new InvalidOperationException($"Marten's migration left differences: {string.Join(", ", left)}");
        }
        await MirrorSchemas.EnsureAsync(services.GetRequiredService<NpgsqlDataSource>(), services.GetRequiredService<EdgeStoreSettings>(), ct);
        return new Outcome(orleansBefore != OrleansSchema.Fingerprint, pending);
    }

    /// <summary>Throws <see cref="SchemaNotReadyException"/> unless every migration of this release was applied.</summary>
    public static async Task EnsureCurrentAsync(string connectionString, string storeSchema, CancellationToken ct = default)
    {
        var problems = new List<string>();
        var orleans = await OrleansSchema.ReadAppliedFingerprintAsync(connectionString, ct);
        if (orleans is null)
            problems.Add("the Orleans tables were never migrated");
        else if (orleans != OrleansSchema.Fingerprint)
            problems.Add("the Orleans tables were migrated by another release");

        await using var services = StoreServices(connectionString, storeSchema, applyMigrations: false);
        var differences = await StoreDifferencesAsync(services.GetRequiredService<IDocumentStore>(), ct);
        if (differences.Count > 0)
            problems.Add($"the store schema '{storeSchema}' lacks or differs in {differences.Count} object(s) ({string.Join(", ", differences.Take(5))}{(differences.Count > 5 ? ", …" : "")})");

        var settings = services.GetRequiredService<EdgeStoreSettings>();
        await using (var command = services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            "SELECT s FROM unnest(@schemas) s WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)"))
        {
            command.Parameters.AddWithValue("schemas", MirrorSchemas.Of(settings).ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                problems.Add($"the mirror schema '{reader.GetString(0)}' does not exist");
        }

        if (problems.Count > 0)
            throw new SchemaNotReadyException(
                "Database:ApplyMigrations is false and the database is not migrated for this release: " + string.Join("; ", problems)
                + ". Run `EdgeSync.Silo migrate` of this release with a role that may create them (docs/deployment.md), then start the node again.");
    }

    /// <summary>The store's objects that are missing or differ from what this release declares.</summary>
    private static async Task<IReadOnlyList<string>> StoreDifferencesAsync(IDocumentStore store, CancellationToken ct)
    {
        var migration = await store.Storage.Database.CreateMigrationAsync(ct);
        return migration.Deltas.Where(d => d.Difference != SchemaPatchDifference.None)
            .Select(d => d.SchemaObject.Identifier.QualifiedName).ToList();
    }

    private static ServiceProvider StoreServices(string connectionString, string storeSchema, bool applyMigrations) =>
        new ServiceCollection().AddLogging().AddEdgeSyncStore(connectionString, storeSchema, applyMigrations: applyMigrations)
            .AddApiDocuments().BuildServiceProvider();
}
