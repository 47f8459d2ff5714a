using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Mirrors;

/// <summary>
/// The monthly partitions of time-series tables (UTC months). Before a write, every month its
/// rows fall in gets its partition, unless the month is outside the window of
/// <see cref="MonthsBack"/> months before and <see cref="MonthsAhead"/> after the current one:
/// such rows go to the DEFAULT partition, so a device with a wrong clock (or a hostile one) cannot
/// make a node create thousands of tables. Partitions are created under an advisory lock per
/// table (two nodes do not race), and the months known to exist are cached per node. A month
/// whose rows already sit in the DEFAULT partition (its partition could not be created then) stays
/// there: creating its partition would fail, and it is not tried again on this node.
/// </summary>
public sealed class TimeSeriesPartitions(EdgeStoreSettings settings, TimeProvider clock)
{
    public const int MonthsBack = 36;
    public const int MonthsAhead = 3;
    private const string Savepoint = "ts_partition";

    private readonly ConcurrentDictionary<(string Table, DateTime Month), bool> _known = new();

    public static DateTime MonthOf(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// <paramref name="name"/> with <paramref name="suffix"/>, within 63 bytes: a long name is cut
    /// and given a hash of the full name, so partitions of two long names never collide.
    /// </summary>
    public static string Derived(string name, string suffix)
    {
        if (name.Length + suffix.Length <= 63)
            return name + suffix;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        return name[..(63 - suffix.Length - 9)] + "_" + hash + suffix;
    }

    /// <summary>Makes sure the months of <paramref name="timestamps"/> inside the window have their partitions.</summary>
    public async Task EnsureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, IEnumerable<DateTime> timestamps, CancellationToken ct = default)
    {
        var current = MonthOf(clock.GetUtcNow());
        var (first, last) = (current.AddMonths(-MonthsBack), current.AddMonths(MonthsAhead));
        var wanted = timestamps.Select(t => new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc)).Distinct()
            .Where(m => m >= first && m <= last && !_known.ContainsKey((table, m)))
            .ToList();
        if (wanted.Count > 0)
            await CreateMonthsAsync(connection, transaction, table, wanted, ct);
    }

    /// <summary>Creates the partitions of <paramref name="months"/> that do not exist yet.</summary>
    public async Task CreateMonthsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, IReadOnlyList<DateTime> months, CancellationToken ct = default)
    {
        var schema = settings.MirrorSchema;
        await using (var exists = new NpgsqlCommand(
            """
            SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relname = ANY(@names)
            """, connection, transaction))
        {
            exists.Parameters.AddWithValue("schema", schema);
            exists.Parameters.AddWithValue("names", months.Select(m => PartitionName(table, m)).ToArray());
            await using var reader = await exists.ExecuteReaderAsync(ct);
            var found = new HashSet<string>(StringComparer.Ordinal);
            while (await reader.ReadAsync(ct))
                found.Add(reader.GetString(0));
            foreach (var month in months.Where(m => found.Contains(PartitionName(table, m))))
                _known[(table, month)] = true;
        }
        var missing = months.Where(m => !_known.ContainsKey((table, m))).ToList();
        if (missing.Count == 0)
            return;
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@key))", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", $"edgesync.ts-partitions:{schema}.{table}");
            await lockCommand.ExecuteNonQueryAsync(ct);
        }
        var parent = PgIdentifier.Qualified(schema, table);
        foreach (var month in missing)
        {
            // The bounds are formatted here from a DateTime, never taken from device text.
            var from = month.ToString("yyyy-MM-dd'T'00:00:00'Z'", CultureInfo.InvariantCulture);
            var to = month.AddMonths(1).ToString("yyyy-MM-dd'T'00:00:00'Z'", CultureInfo.InvariantCulture);
            await transaction.SaveAsync(Savepoint, ct);
            try
            {
                await using var create = new NpgsqlCommand(
                    $"CREATE TABLE IF NOT EXISTS {PgIdentifier.Qualified(schema, PartitionName(table, month))} PARTITION OF {parent} FOR VALUES FROM ('{from}') TO ('{to}')",
                    connection, transaction);
                await create.ExecuteNonQueryAsync(ct);
                await transaction.ReleaseAsync(Savepoint, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation)
            {
                // The DEFAULT partition holds rows of this month already: they stay there, and so do the next.
                await transaction.RollbackAsync(Savepoint, ct);
                _known[(table, month)] = false;
            }
        }
    }

    public static string PartitionName(string table, DateTime month) =>
        Derived(table, "_p" + month.ToString("yyyyMM", CultureInfo.InvariantCulture));
}
