using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Mirrors;

/// <summary>
/// The schemas of the mirror tables and of their tombstones. Created on first use by a node that
/// may create schemas; the migrate command creates them beforehand, so that nodes without DDL
/// rights only need CREATE on these two.
/// </summary>
public static class MirrorSchemas
{
    public static IReadOnlyList<string> Of(EdgeStoreSettings settings) => [settings.MirrorSchema, settings.TombstoneSchema];

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, EdgeStoreSettings settings, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var schema in Of(settings))
            await MirrorCatalog.EnsureSchemaAsync(connection, transaction, schema, ct);
        await transaction.CommitAsync(ct);
    }
}
