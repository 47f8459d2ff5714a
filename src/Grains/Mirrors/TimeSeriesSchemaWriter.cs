using EdgeSync.Registry;
using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Mirrors;

/// <summary>
/// DDL of the time-series tables of telemetry lineages, inside the caller's transaction: a table
/// range-partitioned by <c>ts</c> with <c>_edge_device_id</c>, <c>ts</c>, <c>row_id</c>,
/// <c>_edge_batch_id</c> and the mirrored fields, a unique index on
/// <c>(_edge_device_id, row_id, ts)</c> (rows without a row_id are never the same row), a DEFAULT
/// partition, and monthly partitions for this month and the next (<see cref="TimeSeriesPartitions"/>
/// adds the months a write needs). Ownership and name choice follow <see cref="MirrorSchemaWriter"/>:
/// the table's comment names its (device, source table), or for a coalesced table its (project,
/// source table); a relation owned by anyone else is never used.
/// </summary>
public sealed class TimeSeriesSchemaWriter(EdgeStoreSettings settings, TimeSeriesPartitions partitions)
{
    public string Schema { get; } = settings.MirrorSchema;

    /// <summary>Creates or evolves the table and answers its name; repeating a call changes nothing.</summary>
    /// <exception cref="MirrorConflictException">A column of another type, or every candidate name taken; before any change.</exception>
    public async Task<string> ProvisionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction,
        (Guid LineageId, Guid ProjectId, Guid DeviceId, string SourceTable) owner, string? requestedName, IReadOnlyList<MirrorColumn> columns,
        MirrorLayout layout, string topicSlug, DateTimeOffset now, CancellationToken ct = default)
    {
        if (requestedName is not null && !MirrorNaming.IsValidName(requestedName, out var problem))
            throw new ArgumentException($"mirror table name '{requestedName}' {problem}", nameof(requestedName));
        foreach (var column in columns)
            if (!MirrorNaming.IsValidColumnName(column.Name, out var columnProblem) || column.Name is "ts" or "row_id")
                throw new ArgumentException($"mirror column name '{column.Name}' {columnProblem ?? "is a column of every time-series table"}", nameof(columns));
        var coalesced = layout == MirrorLayout.Coalesced;
        IReadOnlyList<string> candidates = requestedName is not null ? [requestedName]
            : coalesced ? MirrorNaming.FleetTimeSeriesTableNames(owner.ProjectId, topicSlug, owner.SourceTable)
            : MirrorNaming.TimeSeriesTableNames(owner.DeviceId, owner.SourceTable);
        await MirrorCatalog.EnsureSchemaAsync(connection, transaction, Schema, ct);
        foreach (var name in candidates.Order(StringComparer.Ordinal))
            await MirrorCatalog.LockAsync(connection, transaction, Schema, name, ct);

        var relations = await MirrorCatalog.ReadRelationsAsync(connection, transaction, Schema, candidates, ct);
        bool Owned(string? comment) => coalesced
            ? MirrorOwnership.ParseFleet(comment) == new MirrorFleetOwner(owner.ProjectId, owner.SourceTable)
            : MirrorOwnership.Parse(comment)?.IsSameSource(owner.DeviceId, owner.SourceTable) == true;
        var own = candidates.FirstOrDefault(n => relations.TryGetValue(n, out var r) && r.Kind == "p" && Owned(r.Comment));
        if (own is not null)
        {
            await EvolveAsync(connection, transaction, own, relations[own].Oid, columns, ct);
            return own;
        }
        var free = candidates.FirstOrDefault(n => !relations.ContainsKey(n))
            ?? throw new MirrorConflictException(MirrorConflictException.TableNameTaken, candidates[0],
                $"the time-series table names of source table '{owner.SourceTable}' ({string.Join(", ", candidates)}) are all used by other relations or source tables");
        var comment = coalesced
            ? MirrorOwnership.Literal(new MirrorFleetOwner(owner.ProjectId, owner.SourceTable))
            : MirrorOwnership.Literal(new MirrorTableOwner(owner.LineageId, owner.DeviceId, owner.SourceTable));
        await CreateAsync(connection, transaction, free, columns, comment, ct);
        await partitions.CreateMonthsAsync(connection, transaction, free, [TimeSeriesPartitions.MonthOf(now), TimeSeriesPartitions.MonthOf(now).AddMonths(1)], ct);
        return free;
    }

    /// <summary>Deletes a device's rows from a coalesced time-series table (its lineage was deleted with its mirror).</summary>
    public async Task RemoveDeviceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, Guid deviceId, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"DELETE FROM {PgIdentifier.Qualified(Schema, name)} WHERE {PlatformColumns.DeviceId} = @device", connection, transaction);
        command.Parameters.AddWithValue("device", deviceId);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task CreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string name, IReadOnlyList<MirrorColumn> columns, string commentLiteral, CancellationToken ct)
    {
        var qualified = PgIdentifier.Qualified(Schema, name);
        var definitions = new[] { $"{PlatformColumns.DeviceId} uuid NOT NULL", "ts timestamptz NOT NULL", "row_id bigint", "_edge_batch_id uuid NOT NULL" }
            .Concat(columns.Select(c => $"{PgIdentifier.Quote(c.Name)} {c.PostgresType}"));
        await using var command = new NpgsqlCommand(
            $"""
            CREATE TABLE {qualified} (
                {string.Join(",\n    ", definitions)}
            ) PARTITION BY RANGE (ts);
            CREATE UNIQUE INDEX {PgIdentifier.Quote(TimeSeriesPartitions.Derived(name, "_row"))} ON {qualified} ({PlatformColumns.DeviceId}, row_id, ts);
            CREATE TABLE {PgIdentifier.Qualified(Schema, TimeSeriesPartitions.Derived(name, "_pdefault"))} PARTITION OF {qualified} DEFAULT;
            COMMENT ON TABLE {qualified} IS {commentLiteral}
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task EvolveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string name, uint oid, IReadOnlyList<MirrorColumn> columns, CancellationToken ct)
    {
        var existing = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand(
            "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = @oid AND attnum > 0 AND NOT attisdropped",
            connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter("oid", NpgsqlTypes.NpgsqlDbType.Oid) { Value = oid });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                existing[reader.GetString(0)] = reader.GetString(1);
        }
        foreach (var column in columns)
            if (existing.TryGetValue(column.Name, out var type) && type != column.PostgresType)
                throw new MirrorConflictException(MirrorConflictException.ColumnTypeConflict, name,
                    $"column '{column.Name}' of time-series table '{name}' is {type}, not {column.PostgresType}; give it another mirror column name", column.Name);
        var missing = columns.Where(c => !existing.ContainsKey(c.Name)).ToList();
        if (missing.Count == 0)
            return;
        await using var alter = new NpgsqlCommand(
            $"ALTER TABLE {PgIdentifier.Qualified(Schema, name)} "
            + string.Join(", ", missing.Select(c => $"ADD COLUMN IF NOT EXISTS {PgIdentifier.Quote(c.Name)} {c.PostgresType}")), connection, transaction);
        await alter.ExecuteNonQueryAsync(ct);
    }
}
