using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeSync.Mirrors;

/// <summary>
/// Names of mirror tables and columns (docs/storage.md, "Mirror tables"). Pure functions; every name
/// they return matches <c>^[a-z_][a-z0-9_]{0,62}$</c> and passes <see cref="IsValidName"/>.
/// <list type="bullet">
/// <item>Sanitizing: the name is lowercased with <see cref="string.ToLowerInvariant()"/> (so
/// "É" becomes "é" and then "_", while "K" KELVIN SIGN becomes "k"), then every character — every
/// Unicode scalar value, so an emoji or other surrogate pair is one character — outside
/// <c>[a-z0-9_]</c> becomes <c>_</c>. Quotes, semicolons, spaces and the like all become <c>_</c>.
/// SQL keywords are left as they are (names are always quoted).</item>
/// <item>Hash suffix: <c>_</c> + the first 8 hex digits (lowercase) of SHA-256 over the UTF-8 of
/// the ORIGINAL (unsanitized) source name.</item>
/// </list>
/// </summary>
public static partial class MirrorNaming
{
    public const string TablePrefix = "edge_mirror_";

    /// <summary>Coalesced tables: one per (project, source table), <c>edge_fleet_{slug}_{table}</c>.</summary>
    public const string FleetTablePrefix = "edge_fleet_";

    /// <summary>How much of the sanitized slug a shortened fleet name keeps, so that the table part keeps room.</summary>
    public const int FleetSlugRoom = 24;

    /// <summary>Columns with this prefix are the platform's own (<c>_edge_device_id</c>, …).</summary>
    public const string PlatformColumnPrefix = "_edge_";

    /// <summary>
    /// Prefix put before a default column name that would start with a digit, <c>_edge_</c> or
    /// <c>pg_</c>, or that is a <see cref="SystemColumns">system column name</see>.
    /// </summary>
    public const string ColumnEscapePrefix = "c_";

    /// <summary>
    /// PostgreSQL's system column names, which no user column may take (42701): the six of every
    /// table, and <c>oid</c>, a system column until PostgreSQL 12 that tools still treat as one.
    /// Default names are <c>c_</c> + the name (<c>xmin</c> → <c>c_xmin</c>); an explicit
    /// <c>mirror_column_name</c> may not be one of them.
    /// </summary>
    public static IReadOnlySet<string> SystemColumns { get; } =
        new HashSet<string>(["tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", "oid"], StringComparer.Ordinal);

    private const int HashSuffixLength = 9; // "_" + 8 hex digits

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();

    /// <summary>
    /// <c>edge_mirror_{device8}_{table}</c>; when that exceeds 63 bytes, the
    /// <see cref="HashedTableName">hashed form</see>.
    /// </summary>
    public static string DefaultTableName(Guid deviceId, string sourceTable)
    {
        ArgumentNullException.ThrowIfNull(sourceTable);
        var name = TableStem(deviceId) + Sanitize(sourceTable);
        return name.Length <= PgIdentifier.MaxBytes ? name : HashedTableName(deviceId, sourceTable);
    }

    /// <summary>
    /// <c>edge_mirror_{device8}_{table, cut to at most 33 characters}_{hash8}</c> — always suffixed,
    /// at most 63 bytes. Used when the default name is too long or taken by another source table.
    /// </summary>
    public static string HashedTableName(Guid deviceId, string sourceTable)
    {
        ArgumentNullException.ThrowIfNull(sourceTable);
        return Shortened(TableStem(deviceId), Sanitize(sourceTable), Hash8(sourceTable));
    }

    /// <summary>
    /// The last resort when both the default and the hashed name belong to other source tables —
    /// which happens when two devices share their first 8 hex digits (UUIDv7 device ids created
    /// within about a minute do) and have a table of the same name: like
    /// <see cref="HashedTableName"/> but hashing the full device id and the source name
    /// (<c>SHA-256(UTF-8("{deviceId:N}/{sourceTable}"))</c>).
    /// </summary>
    public static string DeviceHashedTableName(Guid deviceId, string sourceTable)
    {
        ArgumentNullException.ThrowIfNull(sourceTable);
        return Shortened(TableStem(deviceId), Sanitize(sourceTable), Hash8($"{deviceId:N}/{sourceTable}"));
    }

    /// <summary>Time-series tables of telemetry lineages: <c>edge_ts_{device8}_{table}</c>.</summary>
    public const string TimeSeriesTablePrefix = "edge_ts_";

    /// <summary>Coalesced time-series tables: <c>edge_fleet_ts_{slug}_{table}</c>.</summary>
    public const string FleetTimeSeriesTablePrefix = "edge_fleet_ts_";

    /// <summary>
    /// The candidate names of a per-device time-series table, as for a keyed table but with
    /// <see cref="TimeSeriesTablePrefix"/>: the plain name when it fits, the hashed one, the device-hashed one.
    /// </summary>
    public static IReadOnlyList<string> TimeSeriesTableNames(Guid deviceId, string sourceTable)
    {
        ArgumentNullException.ThrowIfNull(sourceTable);
        var stem = TimeSeriesTablePrefix + deviceId.ToString("N")[..8] + "_";
        var body = Sanitize(sourceTable);
        return new[] { stem + body, Shortened(stem, body, Hash8(sourceTable)), Shortened(stem, body, Hash8($"{deviceId:N}/{sourceTable}")) }
            .Where(n => n.Length <= PgIdentifier.MaxBytes).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The candidate names of a coalesced time-series table, as <see cref="TimeSeriesTableNames"/> with the project's slug.</summary>
    public static IReadOnlyList<string> FleetTimeSeriesTableNames(Guid projectId, string topicSlug, string sourceTable)
    {
        ArgumentNullException.ThrowIfNull(topicSlug);
        ArgumentNullException.ThrowIfNull(sourceTable);
        var slug = Sanitize(topicSlug);
        var stem = slug.Length == 0 ? FleetTimeSeriesTablePrefix : FleetTimeSeriesTablePrefix + (slug.Length > FleetSlugRoom ? slug[..FleetSlugRoom] : slug) + "_";
        var body = Sanitize(sourceTable);
        return new[] { stem + body, Shortened(stem, body, Hash8(sourceTable)), Shortened(stem, body, Hash8($"{projectId:N}/{sourceTable}")) }
            .Where(n => n.Length <= PgIdentifier.MaxBytes).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// <c>edge_fleet_{slug}_{table}</c> (<c>edge_fleet_{table}</c> for the empty slug), slug and
    /// table sanitized like every name; when that exceeds 63 bytes, the
    /// <see cref="HashedFleetTableName">hashed form</see>.
    /// </summary>
    public static string DefaultFleetTableName(string topicSlug, string sourceTable)
    {
        ArgumentNullException.ThrowIfNull(topicSlug);
        ArgumentNullException.ThrowIfNull(sourceTable);
        var name = FleetStem(Sanitize(topicSlug)) + Sanitize(sourceTable);
        return name.Length <= PgIdentifier.MaxBytes ? name : HashedFleetTableName(topicSlug, sourceTable);
    }

    /// <summary>
    /// <c>edge_fleet_{slug, cut to 24}_{table, cut}_{hash8}</c> with the hash of the source table
    /// name, as for per-device names — always suffixed, at most 63 bytes. Used when the default
    /// name is too long or taken by another project's or source table's relation.
    /// </summary>
    public static string HashedFleetTableName(string topicSlug, string sourceTable)
    {
        ArgumentNullException.ThrowIfNull(topicSlug);
        ArgumentNullException.ThrowIfNull(sourceTable);
        return Shortened(ShortFleetStem(topicSlug), Sanitize(sourceTable), Hash8(sourceTable));
    }

    /// <summary>
    /// The last resort when the default and the hashed fleet names belong to others (two slugs
    /// that sanitize or cut to the same text): the hash covers the project id and the source name
    /// (<c>SHA-256(UTF-8("{projectId:N}/{sourceTable}"))</c>).
    /// </summary>
    public static string ProjectHashedFleetTableName(Guid projectId, string topicSlug, string sourceTable)
    {
        ArgumentNullException.ThrowIfNull(topicSlug);
        ArgumentNullException.ThrowIfNull(sourceTable);
        return Shortened(ShortFleetStem(topicSlug), Sanitize(sourceTable), Hash8($"{projectId:N}/{sourceTable}"));
    }

    /// <summary>
    /// The sanitized column name: empty → <c>_</c>; a name starting with a digit, with
    /// <c>_edge_</c> or with <c>pg_</c>, or a system column name, gets the prefix <c>c_</c> (so
    /// <c>1st</c> → <c>c_1st</c>, <c>_edge_x</c> → <c>c__edge_x</c>, <c>XMin</c> → <c>c_xmin</c>);
    /// over 63 bytes → cut and hash-suffixed.
    /// </summary>
    public static string DefaultColumnName(string sourceColumn)
    {
        ArgumentNullException.ThrowIfNull(sourceColumn);
        var name = SanitizedColumn(sourceColumn);
        return name.Length <= PgIdentifier.MaxBytes ? name : HashedColumnName(sourceColumn);
    }

    /// <summary>The always hash-suffixed column name (at most 63 bytes).</summary>
    public static string HashedColumnName(string sourceColumn)
    {
        ArgumentNullException.ThrowIfNull(sourceColumn);
        var body = SanitizedColumn(sourceColumn);
        var hash = Hash8(sourceColumn);
        var name = Shortened(string.Empty, body, hash);
        // "_edge" or "pg" plus the suffix would start with a reserved prefix.
        return IsReservedColumnStart(name) ? Shortened(ColumnEscapePrefix, body, hash) : name;
    }

    /// <summary>
    /// Default names for the columns of one table, in the given order, unique within the table:
    /// every column whose default name it shares with another gets its hashed name instead (all
    /// members of the collision, so the result does not depend on the order of the columns).
    /// </summary>
    /// <exception cref="ArgumentException">A source column is listed twice.</exception>
    public static IReadOnlyList<string> DefaultColumnNames(IEnumerable<string> sourceColumns)
    {
        ArgumentNullException.ThrowIfNull(sourceColumns);
        var sources = sourceColumns.ToArray();
        if (sources.GroupBy(s => s, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"source column '{twice.Key}' is listed twice", nameof(sourceColumns));

        var names = sources.Select(DefaultColumnName).ToArray();
        var hashed = new bool[names.Length];
        while (true)
        {
            var collisions = Enumerable.Range(0, names.Length)
                .GroupBy(i => names[i], StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .ToList();
            if (collisions.Count == 0)
                return names;
            var progress = false;
            foreach (var i in collisions.SelectMany(g => g).Where(i => !hashed[i]))
            {
                names[i] = HashedColumnName(sources[i]);
                hashed[i] = true;
                progress = true;
            }
            if (!progress) // two different names sharing a prefix and 32 bits of SHA-256
                throw new InvalidOperationException(
                    $"columns {string.Join(", ", collisions[0].Select(i => $"'{sources[i]}'"))} map to the same mirror column name '{collisions[0].Key}'");
        }
    }

    /// <summary>
    /// Whether an explicit <c>mirror_table_name</c> or <c>mirror_column_name</c> is acceptable:
    /// <c>^[a-z_][a-z0-9_]{0,62}$</c>, not starting with <c>_edge_</c> (reserved for the platform
    /// columns) and not with <c>pg_</c>. One rule for tables and columns.
    /// </summary>
    public static bool IsValidName(string name, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(name))
            problem = "must not be empty";
        else if (!ValidName().IsMatch(name))
            problem = "must start with a lowercase letter or '_' and contain only a-z, 0-9 and '_', at most 63 characters";
        else if (name.StartsWith(PlatformColumnPrefix, StringComparison.Ordinal))
            problem = $"must not start with '{PlatformColumnPrefix}' (reserved for platform columns)";
        else if (name.StartsWith("pg_", StringComparison.Ordinal))
            problem = "must not start with 'pg_'";
        return problem is null;
    }

    /// <summary><see cref="IsValidName"/>, and not a <see cref="SystemColumns">system column name</see>.</summary>
    public static bool IsValidColumnName(string name, out string? problem)
    {
        if (!IsValidName(name, out problem))
            return false;
        if (SystemColumns.Contains(name))
            problem = "must not be a PostgreSQL system column name (tableoid, xmin, cmin, xmax, cmax, ctid, oid)";
        return problem is null;
    }

    /// <summary>Lowercase (invariant), every character outside <c>[a-z0-9_]</c> → <c>_</c>.</summary>
    public static string Sanitize(string source)
    {
        var lower = source.ToLowerInvariant();
        var result = new StringBuilder(lower.Length);
        for (var i = 0; i < lower.Length; i++)
        {
            var c = lower[i];
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_')
                result.Append(c);
            else
            {
                result.Append('_');
                if (char.IsHighSurrogate(c) && i + 1 < lower.Length && char.IsLowSurrogate(lower[i + 1]))
                    i++; // one character, one '_'
            }
        }
        return result.ToString();
    }

    private static string SanitizedColumn(string source)
    {
        var name = Sanitize(source);
        if (name.Length == 0)
            return "_";
        return char.IsAsciiDigit(name[0]) || IsReservedColumnStart(name) || SystemColumns.Contains(name) ? ColumnEscapePrefix + name : name;
    }

    private static bool IsReservedColumnStart(string name) =>
        name.StartsWith(PlatformColumnPrefix, StringComparison.Ordinal) || name.StartsWith("pg_", StringComparison.Ordinal);

    private static string TableStem(Guid deviceId) => TablePrefix + deviceId.ToString("N")[..8] + "_";

    private static string FleetStem(string sanitizedSlug) => sanitizedSlug.Length == 0 ? FleetTablePrefix : FleetTablePrefix + sanitizedSlug + "_";

    private static string ShortFleetStem(string topicSlug)
    {
        var slug = Sanitize(topicSlug);
        return FleetStem(slug.Length > FleetSlugRoom ? slug[..FleetSlugRoom] : slug);
    }

    /// <summary>stem + body cut so that stem + body + "_" + hash fits 63 bytes (all ASCII).</summary>
    private static string Shortened(string stem, string body, string hash8)
    {
        var room = PgIdentifier.MaxBytes - stem.Length - HashSuffixLength;
        return stem + (body.Length > room ? body[..room] : body) + "_" + hash8;
    }

    private static string Hash8(string original) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(original)))[..8];
}
