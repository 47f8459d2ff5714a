using System.Globalization;
using System.Text.Json;
using EdgeSync.Storage;
using EdgeSync.Wire;
using Npgsql;
using NpgsqlTypes;

namespace EdgeSync.Mirrors;

/// <summary>
/// Appends telemetry rows to a time-series table by binary COPY, inside the caller's transaction.
/// Each change is an insert whose row holds the fields and the timestamp column (the row's ts),
/// and whose pk holds <c>row_id</c> when the device sent one. Values are converted before the COPY
/// starts (a value that cannot be converted is a permanent, row-specific
/// <see cref="MirrorWriteException"/> and the transaction stays usable). A row that is there
/// already (same device, row_id and ts: a batch redelivered under a new batch id) makes the COPY
/// fail; the write then goes again, in the same transaction, as an insert that skips such rows.
/// </summary>
public sealed class TimeSeriesWriter(EdgeStoreSettings settings, TimeSeriesPartitions partitions)
{
    private const string Savepoint = "ts_copy";

    public string Schema { get; } = settings.MirrorSchema;

    /// <returns>The rows written.</returns>
    public async Task<int> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, MirrorTable table, Guid deviceId,
        IReadOnlyList<MirrorRowChange> changes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var timeSeries = table.TimeSeries ?? throw new ArgumentException($"'{table.Name}' is not a time-series table", nameof(table));
        if (changes.Count == 0)
            return 0;
        var rows = changes.Select(c => Convert(table, timeSeries, c)).ToList();
        var target = PgIdentifier.Qualified(Schema, table.Name);
        var columns = new[] { PlatformColumns.DeviceId, "ts", "row_id", "_edge_batch_id" }.Concat(table.Columns.Select(c => c.Name)).Select(PgIdentifier.Quote);
        var columnList = string.Join(", ", columns);
        try
        {
            await partitions.EnsureAsync(connection, transaction, table.Name, rows.Select(r => r.Ts), ct);
            await transaction.SaveAsync(Savepoint, ct);
            try
            {
                await CopyAsync(connection, $"COPY {target} ({columnList}) FROM STDIN (FORMAT BINARY)", table, deviceId, rows, ct);
                await transaction.ReleaseAsync(Savepoint, ct);
                return rows.Count;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                await transaction.RollbackAsync(Savepoint, ct);
            }
            // Some rows are there already: through a temporary table, skipping them.
            await using (var temp = new NpgsqlCommand(
                $"DROP TABLE IF EXISTS pg_temp.edge_ts_incoming; CREATE TEMP TABLE edge_ts_incoming (LIKE {target}) ON COMMIT DROP", connection, transaction))
                await temp.ExecuteNonQueryAsync(ct);
            await CopyAsync(connection, $"COPY pg_temp.edge_ts_incoming ({columnList}) FROM STDIN (FORMAT BINARY)", table, deviceId, rows, ct);
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {target} ({columnList}) SELECT {columnList} FROM pg_temp.edge_ts_incoming ON CONFLICT DO NOTHING", connection, transaction);
            return await insert.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (MirrorWriteException.Wrap(e, $"writing time-series table '{table.Name}'") is { } wrapped)
        {
            throw wrapped;
        }
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string copy, MirrorTable table, Guid deviceId, IReadOnlyList<TimeSeriesRow> rows, CancellationToken ct)
    {
        await using var importer = await connection.BeginBinaryImportAsync(copy, ct);
        var affinities = table.Columns.Select(c => c.SqliteAffinity).ToArray();
        // Typed writes: a value written as object makes the importer look its type up every time.
        foreach (var row in rows)
        {
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(deviceId, NpgsqlDbType.Uuid, ct);
            await importer.WriteAsync(row.Ts, NpgsqlDbType.TimestampTz, ct);
            if (row.RowId is { } id)
                await importer.WriteAsync(id, NpgsqlDbType.Bigint, ct);
            else
                await importer.WriteNullAsync(ct);
            await importer.WriteAsync(row.BatchId, NpgsqlDbType.Uuid, ct);
            for (var i = 0; i < affinities.Length; i++)
            {
                var task = row.Values[i] switch
                {
                    null => importer.WriteNullAsync(ct),
                    long integer => importer.WriteAsync(integer, NpgsqlDbType.Bigint, ct),
                    double real => importer.WriteAsync(real, NpgsqlDbType.Double, ct),
                    string text => importer.WriteAsync(text, NpgsqlDbType.Text, ct),
                    byte[] blob => importer.WriteAsync(blob, NpgsqlDbType.Bytea, ct),
                    decimal number => importer.WriteAsync(number, NpgsqlDbType.Numeric, ct),
                    var other => throw new InvalidOperationException($"no COPY type for {other.GetType().Name}"),
                };
                await task;
            }
        }
        await importer.CompleteAsync(ct);
    }

    private sealed record TimeSeriesRow(DateTime Ts, long? RowId, Guid BatchId, object?[] Values);

    private static TimeSeriesRow Convert(MirrorTable table, TimeSeriesMirror timeSeries, MirrorRowChange change)
    {
        string Where() => $"time-series table '{table.Name}', commit_seq {change.CommitSeq}";
        if (change.Op != RowOperation.Insert || change.Row is not { } row)
            throw new MirrorWriteException(MirrorWriteException.ChangeInvalid, true, $"{Where()}: a time series takes inserts only, not {change.Op}");
        var tsIndex = row.LastIndexOf(timeSeries.TimestampColumn);
        if (tsIndex < 0 || row.Values[tsIndex].Kind != JsonValueKind.String || !Rfc3339.TryParse(row.Values[tsIndex].Text, out var ts))
            throw new MirrorWriteException(MirrorWriteException.ValueInvalid, true, $"{Where()}: the timestamp column '{timeSeries.TimestampColumn}' holds no RFC 3339 time");
        long? rowId = null;
        var idIndex = change.Pk.LastIndexOf("row_id");
        if (idIndex >= 0)
        {
            if (MirrorValues.ToInteger(change.Pk.Values[idIndex], out var id) is { } problem)
                throw new MirrorWriteException(MirrorWriteException.ValueInvalid, true, $"{Where()}: row_id {problem}");
            rowId = id;
        }
        var values = new object?[table.Columns.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var column = table.Columns[i];
            var index = row.LastIndexOf(column.SourceColumn);
            if (index < 0 || row.Values[index].Kind == JsonValueKind.Null)
                continue;
            var (value, problem) = Value(column.SqliteAffinity, row.Values[index]);
            if (problem is not null)
                throw new MirrorWriteException(MirrorWriteException.ValueInvalid, true, $"{Where()}, column '{column.Name}': {problem}");
            values[i] = value;
        }
        return new TimeSeriesRow(ts.UtcDateTime, rowId, change.BatchId ?? Guid.Empty, values);
    }

    private static (object? Value, string? Problem) Value(string affinity, WireScalar scalar)
    {
        switch (affinity)
        {
            case SqliteAffinity.Integer:
            {
                var problem = MirrorValues.ToInteger(scalar, out var integer);
                return (problem is null ? integer : null, problem);
            }
            case SqliteAffinity.Real:
            {
                var problem = MirrorValues.ToReal(scalar, out var real);
                return (problem is null ? real : null, problem);
            }
            case SqliteAffinity.Blob:
            {
                var problem = MirrorValues.ToBlob(scalar, out var blob);
                return (blob, problem);
            }
            case SqliteAffinity.Numeric:
            {
                if (MirrorValues.ToNumeric(scalar, out var text) is { } problem)
                    return (null, problem);
                return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    ? (number, null)
                    : (null, $"{text} does not fit a numeric value the time series can copy");
            }
            default:
            {
                var problem = MirrorValues.ToText(scalar, out var text);
                return (text, problem);
            }
        }
    }
}
