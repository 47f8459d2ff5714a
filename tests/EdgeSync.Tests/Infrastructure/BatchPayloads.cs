using System.Text.Json.Nodes;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>Builds <c>sync/rows/batch</c> payloads for a device_state-like table, as a device agent would.</summary>
public sealed class BatchPayloads(string table = "device_state")
{
    public string Table { get; } = table;
    public Guid Epoch { get; set; } = Guid.CreateVersion7();

    public SchemaFingerprint Schema => new(Table,
    [
        new SchemaColumn("id", "INTEGER", true, 1),
        new SchemaColumn("mode", "TEXT", false, 0),
        new SchemaColumn("setpoint", "REAL", false, 0),
    ]);

    public static JsonObject Upsert(long seq, long id, string mode, double setpoint, string op = "insert") => new()
    {
        ["commit_seq"] = seq,
        ["op"] = op,
        ["pk"] = new JsonObject { ["id"] = id },
        ["row"] = new JsonObject { ["id"] = id, ["mode"] = mode, ["setpoint"] = setpoint },
    };

    public static JsonObject Delete(long seq, long id) => new()
    {
        ["commit_seq"] = seq,
        ["op"] = "delete",
        ["pk"] = new JsonObject { ["id"] = id },
        ["row"] = null,
    };

    /// <summary>A batch of the given rows; <paramref name="withColumns"/> sends the fingerprint as agents do on a first batch.</summary>
    public JsonObject Batch(IEnumerable<JsonObject> rows, bool withColumns = true, Guid? batchId = null)
    {
        var list = rows.ToList();
        var batch = new JsonObject
        {
            ["format_version"] = 1,
            ["capture_strategy"] = "sqlite_row_batch_v1",
            ["batch_id"] = (batchId ?? Guid.CreateVersion7()).ToString(),
            ["journal_epoch"] = Epoch.ToString(),
            ["source_table"] = Table,
            ["schema_hash"] = Schema.ComputeHash(),
            ["first_commit_seq"] = list[0]["commit_seq"]!.GetValue<long>(),
            ["last_commit_seq"] = list[^1]["commit_seq"]!.GetValue<long>(),
            ["rows"] = new JsonArray(list.Select(r => (JsonNode)r.DeepClone()).ToArray()),
        };
        if (withColumns)
            batch["schema_columns"] = JsonNode.Parse(Schema.ToCanonicalJson());
        return batch;
    }

    public string BatchJson(IEnumerable<JsonObject> rows, bool withColumns = true, Guid? batchId = null) =>
        Batch(rows, withColumns, batchId).ToJsonString();

    public static IEnumerable<JsonObject> Inserts(long fromSeq, int count) =>
        Enumerable.Range(0, count).Select(i => Upsert(fromSeq + i, fromSeq + i, i % 2 == 0 ? "cooling" : "heating", 20 + i * 0.5));
}
