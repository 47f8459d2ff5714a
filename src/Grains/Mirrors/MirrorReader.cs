using System.Globalization;
using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Mirrors;

/// <summary>
/// Pages of a mirror table for <c>GET …/mirror-rows</c>: the platform columns, then the selected
/// mirror columns (all, in table order, when none are selected), ordered by primary key. Values:
/// uuid → <see cref="Guid"/>, bigint → <see cref="long"/>, double precision → <see cref="double"/>,
/// text → <see cref="string"/>, timestamptz → <see cref="DateTimeOffset"/> (UTC), bytea → base64
/// <see cref="string"/>, numeric → <see cref="decimal"/> (a value outside decimal's range or
/// precision → its exact text as <see cref="string"/>), NULL → null.
/// </summary>
public sealed class MirrorReader(EdgeStoreSettings settings, NpgsqlDataSource dataSource)
{
    public string Schema { get; } = settings.MirrorSchema;

    /// <summary>Whether the mirror table exists.</summary>
    public async Task<bool> ExistsAsync(string tableName, CancellationToken ct = default) =>
        (await ReadColumnsAsync(tableName, ct)).Count > 0;

    /// <param name="columns">Mirror (or platform) column names to return besides the platform columns; null or empty: all.</param>
    /// <param name="page">1-based.</param>
    /// <param name="deviceId">Only this device's rows (a coalesced table holds many devices'); null: every row.</param>
    /// <param name="timeSeries">A time-series table: ordered by ts (then row_id), it has no primary key.</param>
    /// <exception cref="ArgumentException">A selected column is not a column of the table (the message names it).</exception>
    /// <exception cref="KeyNotFoundException">The table does not exist.</exception>
    public async Task<(IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows, long Total)> PageAsync(
        string tableName, IReadOnlyList<string>? columns, int page, int limit, Guid? deviceId = null, CancellationToken ct = default, bool timeSeries = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var qualified = PgIdentifier.Qualified(Schema, tableName);
        var real = await ReadColumnsAsync(tableName, ct);
        if (real.Count == 0)
            throw new KeyNotFoundException($"mirror table '{tableName}' does not exist");
        var types = real.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);

        var selected = new List<string>(PlatformColumns.All.Where(types.ContainsKey));
        if (columns is null || columns.Count == 0)
            selected.AddRange(real.Select(c => c.Name).Where(n => !PlatformColumns.All.Contains(n)));
        else
            foreach (var name in columns)
            {
                if (!types.ContainsKey(name))
                    throw new ArgumentException($"'{name}' is not a column of mirror table '{tableName}'", nameof(columns));
                if (!selected.Contains(name, StringComparer.Ordinal))
                    selected.Add(name);
            }

        var key = timeSeries ? ["ts", "row_id"] : await ReadPrimaryKeyAsync(qualified, ct);
        var order = key.Count > 0 ? key : real.Select(c => c.Name).ToList();
        var projections = selected.Select(name => types[name] == "numeric" ? $"{PgIdentifier.Quote(name)}::text" : PgIdentifier.Quote(name));
        var where = deviceId is null ? "" : $"WHERE {PlatformColumns.DeviceId} = @device";

        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {string.Join(", ", projections)}, count(*) OVER ()
            FROM {qualified}
            {where}
            ORDER BY {string.Join(", ", order.Select(PgIdentifier.Quote))}
            OFFSET @offset LIMIT @limit
            """);
        if (deviceId is { } device)
            command.Parameters.AddWithValue("device", device);
        command.Parameters.AddWithValue("offset", (long)(page - 1) * limit);
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        long total = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var row = new Dictionary<string, object?>(selected.Count, StringComparer.Ordinal);
                for (var i = 0; i < selected.Count; i++)
                    row[selected[i]] = reader.IsDBNull(i) ? null : Read(reader, i, types[selected[i]]);
                rows.Add(row);
                total = reader.GetInt64(selected.Count);
            }
        }
        if (rows.Count == 0 && page > 1)
        {
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM {qualified} {where}");
            if (deviceId is { } only)
                count.Parameters.AddWithValue("device", only);
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        return (rows, total);
    }

    private static object? Read(NpgsqlDataReader reader, int ordinal, string type) => type switch
    {
        "bytea" => Convert.ToBase64String(reader.GetFieldValue<byte[]>(ordinal)),
        "numeric" => decimal.TryParse(reader.GetString(ordinal), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d)
                     && DecimalIsExact(d, reader.GetString(ordinal))
            ? d
            : reader.GetString(ordinal),
        "timestamp with time zone" => reader.GetFieldValue<DateTimeOffset>(ordinal),
        _ => reader.GetValue(ordinal),
    };

    /// <summary>decimal.TryParse rounds digits beyond its precision; keep the text then.</summary>
    private static bool DecimalIsExact(decimal value, string text)
    {
        var canonical = MirrorValues.CanonicalNumeric(value.ToString(CultureInfo.InvariantCulture));
        return canonical == MirrorValues.CanonicalNumeric(text);
    }

    private sealed record ColumnInfo(string Name, string Type);

    private async Task<IReadOnlyList<ColumnInfo>> ReadColumnsAsync(string tableName, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT column_name::text, data_type::text FROM information_schema.columns
            WHERE table_schema = @schema AND table_name = @table
            ORDER BY ordinal_position
            """);
        command.Parameters.AddWithValue("schema", Schema);
        command.Parameters.AddWithValue("table", tableName);
        var columns = new List<ColumnInfo>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            columns.Add(new ColumnInfo(reader.GetString(0), reader.GetString(1)));
        return columns;
    }

    private async Task<IReadOnlyList<string>> ReadPrimaryKeyAsync(string qualified, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.attname::text
            FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = @table::regclass AND i.indisprimary
            ORDER BY k.ord
            """);
        command.Parameters.AddWithValue("table", qualified);
        var key = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            key.Add(reader.GetString(0));
        return key;
    }
}
