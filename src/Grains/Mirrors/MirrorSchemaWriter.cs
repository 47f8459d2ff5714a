using EdgeSync.Registry;
using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Mirrors;

/// <summary>
/// DDL of mirror tables, always inside the caller's transaction. Tables live in
/// <see cref="EdgeStoreSettings.MirrorSchema"/>, which is created on first use.
/// <para>
/// Ownership: a table belongs to the (device, source table) recorded in its comment (see
/// <see cref="MirrorOwnership"/>); a relation without such a comment belongs to someone else.
/// Name choice without a requested name: the first of the default name, the hashed name and the
/// device-hashed name (see <see cref="MirrorNaming"/>) that already belongs to this (device,
/// source table); else the first that is free; else <see cref="MirrorConflictException.TableNameTaken"/>.
/// With a requested name: that name if free or already this source's, else the same exception.
/// On evolution, pass the table's current name as the requested name so it is never re-chosen.
/// </para>
/// <para>
/// Concurrency: every candidate name is locked with <c>pg_advisory_xact_lock(hashtext('edgesync.mirror:' || schema || '.' || name))</c>
/// (in ordinal order, so two provisionings cannot deadlock on each other) before it is examined.
/// </para>
/// </summary>
public sealed class MirrorSchemaWriter(EdgeStoreSettings settings, MirrorTombstones tombstones)
{
    public string Schema { get; } = settings.MirrorSchema;

    /// <summary>
    /// Creates or evolves the mirror table of <paramref name="sourceTable"/> and returns its name.
    /// A new table gets the platform columns, then <paramref name="columns"/> in the given order
    /// (types by affinity; non-key columns nullable) and a primary key of the key columns in key
    /// order. An existing table gets the missing columns (<c>ADD COLUMN IF NOT EXISTS</c>); columns
    /// it has but <paramref name="columns"/> lacks are kept. Repeating a call changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid <paramref name="requestedName"/> or column names, duplicate names, no key column, or key ordinals not 1..N.</exception>
    /// <exception cref="MirrorConflictException">
    /// <see cref="MirrorConflictException.ColumnTypeConflict"/>, <see cref="MirrorConflictException.PrimaryKeyChanged"/>
    /// or <see cref="MirrorConflictException.TableNameTaken"/>; thrown before any change is made,
    /// so the transaction stays usable.</exception>
    public async Task<string> ProvisionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid deviceId, string sourceTable, string? requestedName, IReadOnlyList<MirrorColumn> columns, Guid lineageId,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sourceTable);
        if (requestedName is not null && !MirrorNaming.IsValidName(requestedName, out var problem))
            throw new ArgumentException($"mirror table name '{requestedName}' {problem}", nameof(requestedName));
        var key = ValidateColumns(columns);

        await MirrorCatalog.EnsureSchemaAsync(connection, transaction, Schema, ct);

        IReadOnlyList<string> candidates = requestedName is not null
            ? [requestedName]
            : new[]
            {
                MirrorNaming.DefaultTableName(deviceId, sourceTable),
                MirrorNaming.HashedTableName(deviceId, sourceTable),
                MirrorNaming.DeviceHashedTableName(deviceId, sourceTable),
            }.Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in candidates.Order(StringComparer.Ordinal))
            await MirrorCatalog.LockAsync(connection, transaction, Schema, name, ct);

        var relations = await MirrorCatalog.ReadRelationsAsync(connection, transaction, Schema, candidates, ct);
        var owner = new MirrorTableOwner(lineageId, deviceId, sourceTable);
        var own = candidates.FirstOrDefault(name =>
            relations.TryGetValue(name, out var r) && r.Kind == "r" && MirrorOwnership.Parse(r.Comment)?.IsSameSource(deviceId, sourceTable) == true);
        if (own is not null)
        {
            await EvolveAsync(connection, transaction, own, relations[own], columns, KeyNames(key, coalesced: false),
                MirrorOwnership.Parse(relations[own].Comment) != owner ? MirrorOwnership.Literal(owner) : null, ct);
            await tombstones.EnsureAsync(connection, transaction, new MirrorTable(own, columns), ct);
            return own;
        }

        var free = candidates.FirstOrDefault(name => !relations.ContainsKey(name))
            ?? throw new MirrorConflictException(MirrorConflictException.TableNameTaken, candidates[0],
                requestedName is not null
                    ? $"mirror table name '{requestedName}' is already used by another relation or source table"
                    : $"the mirror table names of source table '{sourceTable}' ({string.Join(", ", candidates)}) are all used by other relations or source tables");
        await CreateAsync(connection, transaction, free, columns, KeyNames(key, coalesced: false), MirrorOwnership.Literal(owner), ct);
        await tombstones.EnsureAsync(connection, transaction, new MirrorTable(free, columns), ct);
        return free;
    }

    /// <summary>
    /// Creates or evolves the coalesced table of (<paramref name="projectId"/>,
    /// <paramref name="sourceTable"/>) and returns its name. Its primary key is
    /// <c>_edge_device_id</c> followed by the key columns. Many lineages (the devices of the project)
    /// bind to one table: the first creates it, the next find it and check it fits (same key, no
    /// column of another type), and a column one of them adds is added once; the columns a lineage
    /// does not mirror stay, and its rows hold NULL there.
    /// <para>
    /// Candidates without a requested name: <see cref="MirrorNaming.DefaultFleetTableName"/>,
    /// <see cref="MirrorNaming.HashedFleetTableName"/>, <see cref="MirrorNaming.ProjectHashedFleetTableName"/>;
    /// the first that belongs to this (project, source table) is used, else the first free one.
    /// A relation that records another owner (a per-device table, another source table, another
    /// project's coalesced table) is never bound to: that is what keeps tenants apart.
    /// </para>
    /// </summary>
    /// <param name="topicSlug">The project's topic slug, for the default names; unused when <paramref name="requestedName"/> is given.</param>
    /// <exception cref="MirrorConflictException">As <see cref="ProvisionAsync"/>, before any change is made.</exception>
    public async Task<string> ProvisionCoalescedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid projectId, string topicSlug, string sourceTable, string? requestedName, IReadOnlyList<MirrorColumn> columns,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sourceTable);
        ArgumentNullException.ThrowIfNull(topicSlug);
        if (requestedName is not null && !MirrorNaming.IsValidName(requestedName, out var problem))
            throw new ArgumentException($"mirror table name '{requestedName}' {problem}", nameof(requestedName));
        var key = ValidateColumns(columns);

        await MirrorCatalog.EnsureSchemaAsync(connection, transaction, Schema, ct);

        IReadOnlyList<string> candidates = requestedName is not null
            ? [requestedName]
            : new[]
            {
                MirrorNaming.DefaultFleetTableName(topicSlug, sourceTable),
                MirrorNaming.HashedFleetTableName(topicSlug, sourceTable),
                MirrorNaming.ProjectHashedFleetTableName(projectId, topicSlug, sourceTable),
            }.Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in candidates.Order(StringComparer.Ordinal))
            await MirrorCatalog.LockAsync(connection, transaction, Schema, name, ct);

        var relations = await MirrorCatalog.ReadRelationsAsync(connection, transaction, Schema, candidates, ct);
        var owner = new MirrorFleetOwner(projectId, sourceTable);
        var wantedKey = KeyNames(key, coalesced: true);
        var own = candidates.FirstOrDefault(name =>
            relations.TryGetValue(name, out var r) && r.Kind == Partitioned && MirrorOwnership.ParseFleet(r.Comment) == owner);
        if (own is not null)
        {
            await EvolveAsync(connection, transaction, own, relations[own], columns, wantedKey, newComment: null, ct);
            await tombstones.EnsureAsync(connection, transaction, new MirrorTable(own, columns, MirrorLayout.Coalesced), ct);
            return own;
        }

        var free = candidates.FirstOrDefault(name => !relations.ContainsKey(name))
            ?? throw new MirrorConflictException(MirrorConflictException.TableNameTaken, candidates[0],
                requestedName is not null
                    ? $"mirror table name '{requestedName}' is already used by another relation, source table or project"
                    : $"the coalesced table names of source table '{sourceTable}' ({string.Join(", ", candidates)}) are all used by other relations, source tables or projects");
        await CreateAsync(connection, transaction, free, columns, wantedKey, MirrorOwnership.Literal(owner), ct, partitioned: true);
        await tombstones.EnsureAsync(connection, transaction, new MirrorTable(free, columns, MirrorLayout.Coalesced), ct);
        return free;
    }

    /// <summary>
    /// Deletes one device's rows and tombstones from a coalesced table, under the table's lock, so
    /// that a provisioning or another removal of the same table waits for this transaction.
    /// Answers false (and deletes nothing) when the table is not a coalesced table any more.
    /// </summary>
    public async Task<bool> RemoveDeviceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MirrorTable table, Guid deviceId, CancellationToken ct = default)
    {
        await MirrorCatalog.LockAsync(connection, transaction, Schema, table.Name, ct);
        var relations = await MirrorCatalog.ReadRelationsAsync(connection, transaction, Schema, [table.Name], ct);
        if (!relations.TryGetValue(table.Name, out var relation) || relation.Kind != Partitioned || MirrorOwnership.ParseFleet(relation.Comment) is null)
            return false;
        await tombstones.EnsureAsync(connection, transaction, table, ct);
        await using var command = new NpgsqlCommand(
            $"""
            DELETE FROM {PgIdentifier.Qualified(Schema, table.Name)} WHERE {PlatformColumns.DeviceId} = @device;
            DELETE FROM {tombstones.Qualified(table.Name)} WHERE {PlatformColumns.DeviceId} = @device
            """, connection, transaction);
        command.Parameters.AddWithValue("device", deviceId);
        await command.ExecuteNonQueryAsync(ct);
        return true;
    }

    /// <summary>The coalesced owner recorded on the table, or null when it does not exist or records none.</summary>
    public async Task<MirrorFleetOwner?> GetFleetOwnerAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tableName, CancellationToken ct = default)
    {
        var relations = await MirrorCatalog.ReadRelationsAsync(connection, transaction, Schema, [tableName], ct);
        return relations.TryGetValue(tableName, out var relation) && relation.Kind == Partitioned ? MirrorOwnership.ParseFleet(relation.Comment) : null;
    }

    /// <summary>relkind of a partitioned table: a coalesced table is one, hash-partitioned by device.</summary>
    private const string Partitioned = "p";

    /// <summary>
    /// Partitions of a coalesced table. Many devices writing one heap wait on its extension lock
    /// (measured: the main wait of 20 writers into 2 tables); spread over 16 heaps, by the hash of
    /// the device id, they rarely meet, and every statement of a device reaches one partition.
    /// </summary>
    public const int FleetPartitions = 16;

    /// <summary>
    /// The name of a partition: <c>_edge_</c> + 16 hex digits of SHA-256 of the table's name +
    /// <c>_p</c> + two digits. No mirror table name may start with <c>_edge_</c>, so partitions
    /// never take a name a table could want.
    /// </summary>
    public static string PartitionName(string table, int remainder) =>
        MirrorNaming.PlatformColumnPrefix
        + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(table)))[..16]
        + $"_p{remainder:D2}";

    /// <summary>The primary key's column names: the device id first on a coalesced table.</summary>
    private static List<string> KeyNames(IReadOnlyList<MirrorColumn> key, bool coalesced) =>
        (coalesced ? [PlatformColumns.DeviceId] : new List<string>()).Concat(key.Select(c => c.Name)).ToList();

    /// <summary>Drops the mirror table and its tombstones if they exist (no CASCADE: objects built on it make the drop fail).</summary>
    public async Task DropAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tableName, CancellationToken ct = default)
    {
        var qualified = PgIdentifier.Qualified(Schema, tableName);
        await MirrorCatalog.LockAsync(connection, transaction, Schema, tableName, ct);
        await using var command = new NpgsqlCommand($"DROP TABLE IF EXISTS {qualified}", connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
        await tombstones.DropAsync(connection, transaction, tableName, ct);
    }

    /// <summary>The owner recorded on the table, or null when it does not exist or records none.</summary>
    public async Task<MirrorTableOwner?> GetOwnerAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tableName, CancellationToken ct = default)
    {
        var relations = await MirrorCatalog.ReadRelationsAsync(connection, transaction, Schema, [tableName], ct);
        return relations.TryGetValue(tableName, out var relation) && relation.Kind == "r" ? MirrorOwnership.Parse(relation.Comment) : null;
    }

    private static IReadOnlyList<MirrorColumn> ValidateColumns(IReadOnlyList<MirrorColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            if (!MirrorNaming.IsValidColumnName(column.Name, out var problem))
                throw new ArgumentException($"mirror column name '{column.Name}' {problem}", nameof(columns));
            if (!names.Add(column.Name))
                throw new ArgumentException($"mirror column name '{column.Name}' is used twice", nameof(columns));
            _ = MirrorTypes.Of(column.SqliteAffinity);
            if (column.KeyOrdinal < 0)
                throw new ArgumentException($"mirror column '{column.Name}' has a negative key ordinal", nameof(columns));
        }
        var key = columns.Where(c => c.KeyOrdinal > 0).OrderBy(c => c.KeyOrdinal).ToList();
        if (key.Count == 0)
            throw new ArgumentException("a mirror table needs at least one key column", nameof(columns));
        if (key.Select(c => c.KeyOrdinal).Where((ordinal, i) => ordinal != i + 1).Any())
            throw new ArgumentException("key ordinals must be 1..N without gaps or repeats", nameof(columns));
        return key;
    }

    private async Task CreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string name,
        IReadOnlyList<MirrorColumn> columns, IReadOnlyList<string> key, string commentLiteral, CancellationToken ct, bool partitioned = false)
    {
        var qualified = PgIdentifier.Qualified(Schema, name);
        var partitions = partitioned
            ? $" PARTITION BY HASH ({PlatformColumns.DeviceId});\n" + string.Join(";\n", Enumerable.Range(0, FleetPartitions).Select(r =>
                $"CREATE TABLE {PgIdentifier.Qualified(Schema, PartitionName(name, r))} PARTITION OF {qualified} FOR VALUES WITH (MODULUS {FleetPartitions}, REMAINDER {r})"))
            : "";
        var definitions = PlatformColumns.Definitions
            .Concat(columns.Select(c => $"{PgIdentifier.Quote(c.Name)} {c.PostgresType}"))
            .Append($"PRIMARY KEY ({string.Join(", ", key.Select(PgIdentifier.Quote))})");
        await using var command = new NpgsqlCommand(
            $"""
            CREATE TABLE {qualified} (
                {string.Join(",\n    ", definitions)}
            ){partitions};
            COMMENT ON TABLE {qualified} IS {commentLiteral}
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task EvolveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string name, MirrorRelation relation,
        IReadOnlyList<MirrorColumn> columns, IReadOnlyList<string> wantedKey, string? newComment, CancellationToken ct)
    {
        var existing = new Dictionary<string, string>(StringComparer.Ordinal);
        var existingKey = new List<string>();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                SELECT attname::text, format_type(atttypid, atttypmod)
                FROM pg_attribute WHERE attrelid = @oid AND attnum > 0 AND NOT attisdropped
                """) { Parameters = { new("oid", NpgsqlTypes.NpgsqlDbType.Oid) { Value = relation.Oid } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                SELECT a.attname::text
                FROM pg_index i
                CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = @oid AND i.indisprimary
                ORDER BY k.ord
                """) { Parameters = { new("oid", NpgsqlTypes.NpgsqlDbType.Oid) { Value = relation.Oid } } });
            await using var reader = await batch.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                existing[reader.GetString(0)] = reader.GetString(1);
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
                existingKey.Add(reader.GetString(0));
        }

        // Every check before any change, so a conflict leaves the transaction usable.
        foreach (var column in columns)
        {
            if (existing.TryGetValue(column.Name, out var type) && type != column.PostgresType)
                throw new MirrorConflictException(MirrorConflictException.ColumnTypeConflict, name,
                    $"column '{column.Name}' of mirror table '{name}' is {type}, not {column.PostgresType} (affinity {column.SqliteAffinity}); give it another mirror column name",
                    column.Name);
        }
        if (!existingKey.SequenceEqual(wantedKey, StringComparer.Ordinal))
            throw new MirrorConflictException(MirrorConflictException.PrimaryKeyChanged, name,
                $"mirror table '{name}' has the primary key ({string.Join(", ", existingKey)}), not ({string.Join(", ", wantedKey)}); give a new mirror table name");

        var statements = new List<string>();
        var qualified = PgIdentifier.Qualified(Schema, name);
        var missing = columns.Where(c => !existing.ContainsKey(c.Name)).ToList();
        if (missing.Count > 0)
            statements.Add($"ALTER TABLE {qualified} " + string.Join(", ", missing.Select(c => $"ADD COLUMN IF NOT EXISTS {PgIdentifier.Quote(c.Name)} {c.PostgresType}")));
        if (newComment is not null)
            statements.Add($"COMMENT ON TABLE {qualified} IS {newComment}");
        if (statements.Count == 0)
            return;
        await using var command = new NpgsqlCommand(string.Join(";\n", statements), connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}
