using EdgeSync.Agent.Capture;

namespace EdgeSync.Agent.Telemetry;

/// <summary>
/// A telemetry table being captured: its shape (every column, the timestamp column included, is
/// in the fingerprint) and its timestamp column. Reads rows by rowid, oldest first: the table is
/// append-only, so a cursor on the rowid is all the capture there is (no triggers).
/// </summary>
public sealed record TelemetryTable(TableShape Shape, string TimestampColumn)
{
    public string Name => Shape.Name;

    /// <summary>The columns in declaration order (the order of <see cref="CursorRow.Values"/>).</summary>
    public IReadOnlyList<string> Columns { get; } = Shape.Columns.Select(c => c.Name).ToList();

    public int TimestampIndex => Columns.ToList().IndexOf(TimestampColumn);

    /// <summary>The rows with <paramref name="afterRowid"/> &lt; rowid ≤ <paramref name="upToRowid"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<CursorRow> Read(SourceDatabase database, long afterRowid, int limit, long upToRowid = long.MaxValue)
    {
        var rowid = RowidName();
        var columns = string.Join(", ", Columns.Select(SqlText.Identifier));
        using var command = database.Command(
            $"SELECT {rowid}, {columns} FROM {SqlText.Identifier(Name)} WHERE {rowid} > $after AND {rowid} <= $upTo ORDER BY {rowid} LIMIT $limit",
            null, ("$after", afterRowid), ("$upTo", upToRowid), ("$limit", limit));
        using var reader = command.ExecuteReader();
        var rows = new List<CursorRow>();
        while (reader.Read())
        {
            var values = new object?[Columns.Count];
            for (var i = 0; i < values.Length; i++)
                values[i] = reader.IsDBNull(i + 1) ? null : reader.GetValue(i + 1);
            rows.Add(new CursorRow(reader.GetInt64(0), values));
        }
        return rows;
    }

    /// <summary>The newest rowid (0 when empty).</summary>
    public long NewestRowid(SourceDatabase database) =>
        database.Scalar<long?>($"SELECT max({RowidName()}) FROM {SqlText.Identifier(Name)}") ?? 0;

    /// <summary>A name of the rowid that no column shadows.</summary>
    private string RowidName() =>
        new[] { "_rowid_", "rowid", "oid" }.FirstOrDefault(n => !Columns.Contains(n, StringComparer.OrdinalIgnoreCase)) ?? "_rowid_";
}
