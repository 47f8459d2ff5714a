using System.Collections.Concurrent;
using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Mirrors;

/// <summary>
/// The tombstones of mirror tables: for every key whose newest change was a delete, the key and
/// the (journal_epoch, commit_seq) of that delete, so that an older insert or update of the key
/// arriving later does not bring the row back. They live in
/// <see cref="EdgeStoreSettings.TombstoneSchema"/>, one table per mirror table under the same
/// name, and are pruned after a retention.
/// </summary>
public sealed class MirrorTombstones(EdgeStoreSettings settings)
{
    public const string DeletedAt = "_edge_deleted_at";

    // Tables known to exist, so that a mirror of an earlier release gets its tombstone table on its
    // first write after an upgrade, at the cost of one statement per table and node.
    private readonly ConcurrentDictionary<string, bool> _ensured = new(StringComparer.Ordinal);

    public string Schema { get; } = settings.TombstoneSchema;

    public string Qualified(string mirrorTable) => PgIdentifier.Qualified(Schema, mirrorTable);

    /// <summary>Creates the tombstone table of <paramref name="table"/> unless this node knows it exists.</summary>
    public async Task EnsureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MirrorTable table, CancellationToken ct = default)
    {
        if (_ensured.ContainsKey(table.Name))
            return;
        // A coalesced mirror's tombstones are per (device, key), like its rows.
        var device = table.IsCoalesced ? new[] { (Name: PlatformColumns.DeviceId, Definition: $"{PlatformColumns.DeviceId} uuid NOT NULL") } : [];
        var key = device.Concat(table.Key.Select(c => (Name: PgIdentifier.Quote(c.Name), Definition: $"{PgIdentifier.Quote(c.Name)} {c.PostgresType}"))).ToList();
        var definitions = key.Select(c => c.Definition)
            .Append($"{PlatformColumns.JournalEpoch} uuid NOT NULL")
            .Append($"{PlatformColumns.CommitSeq} bigint NOT NULL")
            .Append($"{DeletedAt} timestamptz NOT NULL DEFAULT now()")
            .Append($"PRIMARY KEY ({string.Join(", ", key.Select(c => c.Name))})");
        // Only when missing: CREATE SCHEMA checks the right to create schemas even when the schema
        // exists, and a node without DDL rights has CREATE on this schema only (docs/deployment.md).
        await MirrorCatalog.EnsureSchemaAsync(connection, transaction, Schema, ct);
        // Concurrent CREATE … IF NOT EXISTS of one name can still collide in the catalog: the lock serialises them.
        await using var command = new NpgsqlCommand(
            $"""
            SELECT pg_advisory_xact_lock(hashtext(@key));
            CREATE TABLE IF NOT EXISTS {Qualified(table.Name)} (
                {string.Join(",\n    ", definitions)}
            )
            """, connection, transaction);
        command.Parameters.AddWithValue("key", $"edgesync.tombstones:{Schema}");
        await command.ExecuteNonQueryAsync(ct);
        _ensured[table.Name] = true;
    }

    public async Task DropAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string mirrorTable, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"DROP TABLE IF EXISTS {Qualified(mirrorTable)}", connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
        _ensured.TryRemove(mirrorTable, out _);
    }

    /// <summary>Deletes the tombstones older than <paramref name="retention"/> from every tombstone table; answers how many.</summary>
    public async Task<long> PruneAsync(NpgsqlDataSource dataSource, TimeSpan retention, CancellationToken ct = default)
    {
        var tables = new List<string>();
        await using (var list = dataSource.CreateCommand("SELECT tablename::text FROM pg_tables WHERE schemaname = @schema"))
        {
            list.Parameters.AddWithValue("schema", Schema);
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                tables.Add(reader.GetString(0));
        }
        long pruned = 0;
        foreach (var table in tables)
        {
            // One table at a time, each its own short transaction: pruning never holds many locks.
            // No index on the age: tombstones are few next to the rows, and this runs hourly.
            await using var prune = dataSource.CreateCommand($"DELETE FROM {Qualified(table)} WHERE {DeletedAt} < now() - @retention");
            prune.Parameters.AddWithValue("retention", retention);
            try
            {
                pruned += await prune.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // Dropped with its mirror since it was listed.
            }
        }
        return pruned;
    }
}
