using System.Text.Json.Serialization;
using EdgeSync.Registry;

namespace EdgeSync.Mirrors;

/// <summary>
/// A mirrored column: its PostgreSQL name and type, the source column it comes from, and its
/// place in the primary key (0 for non-key columns, 1..N in key order).
/// </summary>
public sealed record MirrorColumn(string Name, string SourceColumn, string SqliteAffinity, int KeyOrdinal)
{
    public string PostgresType => MirrorTypes.Of(SqliteAffinity);
}

/// <summary>
/// The mirror table of a lineage: its name (in the mirror schema), the columns this lineage
/// mirrors, and its layout. A <see cref="MirrorLayout.Coalesced"/> table is shared by the devices
/// of a project: its primary key starts with <c>_edge_device_id</c>, so every row, tombstone and
/// guard is per (device, key). Events stored before layouts existed have none: per device.
/// <see cref="TimeSeries"/> marks the time-series table of a telemetry lineage (rows appended by
/// <c>ts</c>, no key, no ordering guard); null for a keyed table.
/// </summary>
public sealed record MirrorTable(string Name, IReadOnlyList<MirrorColumn> Columns, MirrorLayout Layout = MirrorLayout.PerDevice, TimeSeriesMirror? TimeSeries = null)
{
    [JsonIgnore]
    public bool IsTimeSeries => TimeSeries is not null;

    public IReadOnlyList<MirrorColumn> Key => Columns.Where(c => c.KeyOrdinal > 0).OrderBy(c => c.KeyOrdinal).ToList();

    [JsonIgnore]
    public bool IsCoalesced => Layout == MirrorLayout.Coalesced;

    /// <summary>The position of <paramref name="column"/> in <see cref="Columns"/>.</summary>
    internal int IndexOf(MirrorColumn column)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (Columns[i] == column)
                return i;
        throw new ArgumentException($"'{column.Name}' is not a column of mirror table '{Name}'", nameof(column));
    }
}

/// <summary>What a time-series table needs to know of its source: the column whose value is each row's <c>ts</c>.</summary>
public sealed record TimeSeriesMirror(string TimestampColumn);
