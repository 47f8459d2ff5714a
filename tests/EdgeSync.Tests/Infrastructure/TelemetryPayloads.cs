using System.Text.Json.Nodes;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>Builds <c>sync/telemetry/batch</c> payloads for a meter-readings table, as a device agent would.</summary>
public sealed class TelemetryPayloads(string table = "readings")
{
    public string Table { get; } = table;
    public const string TimestampColumn = "taken_at";

    /// <summary>taken_at (the timestamp), id (rowid), power, voltage, phase, note.</summary>
    public SchemaFingerprint Schema => new(Table,
    [
        new SchemaColumn("id", "INTEGER", false, 1),
        new SchemaColumn("note", "TEXT", false, 0),
        new SchemaColumn("phase", "TEXT", false, 0),
        new SchemaColumn("power", "REAL", false, 0),
        new SchemaColumn("taken_at", "TEXT", true, 0),
        new SchemaColumn("voltage", "REAL", false, 0),
    ]);

    public static JsonObject Row(DateTimeOffset ts, long? rowId, double power, double voltage = 230, string phase = "L1", string note = "ok")
    {
        var row = new JsonObject
        {
            ["ts"] = ts.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
            ["fields"] = new JsonObject { ["id"] = rowId, ["power"] = power, ["voltage"] = voltage, ["phase"] = phase, ["note"] = note },
        };
        if (rowId is { } id)
            row["row_id"] = id;
        return row;
    }

    /// <summary><paramref name="count"/> rows a minute apart from <paramref name="start"/>, row ids from <paramref name="firstRowId"/>.</summary>
    public static IEnumerable<JsonObject> Rows(DateTimeOffset start, long firstRowId, int count) =>
        Enumerable.Range(0, count).Select(i => Row(start.AddMinutes(i), firstRowId + i, 100 + i * 0.5));

    public JsonObject Batch(long batchSeq, IEnumerable<JsonObject> rows, bool withColumns = true, Guid? batchId = null)
    {
        var list = rows.ToList();
        var times = list.Select(r => DateTimeOffset.Parse(r["ts"]!.GetValue<string>())).ToList();
        var batch = new JsonObject
        {
            ["format_version"] = 1,
            ["capture_strategy"] = "sqlite_telemetry_batch_v1",
            ["batch_id"] = (batchId ?? Guid.CreateVersion7()).ToString(),
            ["batch_seq"] = batchSeq,
            ["source_table"] = Table,
            ["timestamp_column"] = TimestampColumn,
            ["schema_hash"] = Schema.ComputeHash(),
            ["cursor_start_ts"] = times.Min().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
            ["cursor_end_ts"] = times.Max().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
            ["row_count"] = list.Count,
            ["rows"] = new JsonArray(list.Select(r => (JsonNode)r.DeepClone()).ToArray()),
        };
        if (withColumns)
            batch["schema_columns"] = JsonNode.Parse(Schema.ToCanonicalJson());
        return batch;
    }
}
