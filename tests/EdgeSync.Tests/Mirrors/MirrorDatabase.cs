using EdgeSync.Mirrors;
using EdgeSync.Storage;
using EdgeSync.Tests.Infrastructure;
using Npgsql;

namespace EdgeSync.Tests.Mirrors;

/// <summary>One fresh database per test class; tests keep apart by using their own device ids.</summary>
public sealed class MirrorDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public EdgeStoreSettings Settings { get; } = new("edgesync", "edge_mirror");
    public MirrorTombstones Tombstones { get; }
    public MirrorSchemaWriter SchemaWriter => new(Settings, Tombstones);
    public MirrorWriter Writer => new(Settings, Tombstones, new MirrorColumnTypes(Settings));

    public MirrorDatabase() => Tombstones = new MirrorTombstones(Settings);
    public MirrorReader Reader => new(Settings, DataSource);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync("mirror");
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync() => await DataSource.DisposeAsync();

    public async Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var result = await work(connection, transaction);
        await transaction.CommitAsync();
        return result;
    }

    public Task<string> ProvisionAsync(Guid device, string sourceTable, IReadOnlyList<MirrorColumn> columns, string? requested = null, Guid? lineage = null) =>
        InTransactionAsync((c, t) => SchemaWriter.ProvisionAsync(c, t, device, sourceTable, requested, columns, lineage ?? Guid.NewGuid()));

    public Task<string> ProvisionCoalescedAsync(Guid project, string slug, string sourceTable, IReadOnlyList<MirrorColumn> columns, string? requested = null) =>
        InTransactionAsync((c, t) => SchemaWriter.ProvisionCoalescedAsync(c, t, project, slug, sourceTable, requested, columns));

    public Task ApplyAsync(MirrorTable table, Guid device, IReadOnlyList<MirrorRowChange> changes) =>
        InTransactionAsync(async (c, t) =>
        {
            await Writer.ApplyAsync(c, t, table, device, changes);
            return 0;
        });

    /// <summary>All rows, ordered by the given columns, as name → value.</summary>
    public async Task<List<Dictionary<string, object?>>> RowsAsync(string table, params string[] orderBy)
    {
        var order = orderBy.Length == 0 ? "1" : string.Join(", ", orderBy.Select(PgIdentifier.Quote));
        await using var command = DataSource.CreateCommand($"SELECT * FROM {PgIdentifier.Qualified(Settings.MirrorSchema, table)} ORDER BY {order}");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync())
        {
            var row = new Dictionary<string, object?>();
            for (var i = 0; i < reader.FieldCount; i++)
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Column name → type (format_type) of a mirror table, in table order.</summary>
    public async Task<List<(string Name, string Type, bool NotNull)>> ColumnsAsync(string table)
    {
        await using var command = DataSource.CreateCommand(
            """
            SELECT attname::text, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
            WHERE attrelid = (@t)::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """);
        command.Parameters.AddWithValue("t", PgIdentifier.Qualified(Settings.MirrorSchema, table));
        await using var reader = await command.ExecuteReaderAsync();
        var columns = new List<(string, string, bool)>();
        while (await reader.ReadAsync())
            columns.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        return columns;
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>Changes of one table for tests: epochs and seqs in order.</summary>
public static class Changes
{
    public static readonly Guid Epoch1 = Guid.CreateVersion7(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public static readonly Guid Epoch2 = Guid.CreateVersion7(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero));

    public static MirrorRowChange Insert(long seq, string pk, string row, Guid? epoch = null) => new(epoch ?? Epoch1, seq, "insert", pk, row);
    public static MirrorRowChange Update(long seq, string pk, string row, Guid? epoch = null) => new(epoch ?? Epoch1, seq, "update", pk, row);
    public static MirrorRowChange Delete(long seq, string pk, Guid? epoch = null) => new(epoch ?? Epoch1, seq, "delete", pk, null);
}
