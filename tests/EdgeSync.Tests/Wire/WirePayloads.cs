using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeSync.Tests.Wire;

/// <summary>Known-good wire payloads and ways to break them one field at a time.</summary>
public static class WirePayloads
{
    public const string BatchId = "0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20";
    public const string JournalEpoch = "0192f5c0-1111-7aaa-8bbb-0123456789ab";

    /// <summary>schema_hash of device_state (mode TEXT, id INTEGER PRIMARY KEY NOT NULL, setpoint REAL), see <see cref="FingerprintVectors.DeviceState"/>.</summary>
    public const string DeviceStateHash = "2eca4022338318bb748bc0266ee4c9d9188aa84f3782687f9b585d36a9e79530";

    public const string DeviceStateColumns = """
        { "table_name": "device_state", "columns": [
            { "decl_type_affinity": "INTEGER", "name": "id", "not_null": true, "pk_ordinal": 1 },
            { "decl_type_affinity": "TEXT", "name": "mode", "not_null": false, "pk_ordinal": 0 },
            { "decl_type_affinity": "REAL", "name": "setpoint", "not_null": false, "pk_ordinal": 0 } ] }
        """;

    /// <summary>The protocol's example batch with three rows (update, insert, delete) and schema_columns.</summary>
    public static JsonObject Batch() => JsonNode.Parse($$"""
        {
          "format_version": 1,
          "capture_strategy": "sqlite_row_batch_v1",
          "batch_id": "{{BatchId}}",
          "journal_epoch": "{{JournalEpoch}}",
          "source_table": "device_state",
          "schema_hash": "{{DeviceStateHash}}",
          "schema_columns": {{DeviceStateColumns}},
          "first_commit_seq": 101,
          "last_commit_seq": 103,
          "rows": [
            { "commit_seq": 101, "op": "update", "pk": { "id": 1 }, "row": { "id": 1, "mode": "cooling", "setpoint": 21 } },
            { "commit_seq": 102, "op": "insert", "pk": { "id": 7 }, "row": { "id": 7, "mode": "idle", "setpoint": 19.5 } },
            { "commit_seq": 103, "op": "delete", "pk": { "id": 7 }, "row": null }
          ]
        }
        """)!.AsObject();

    public static JsonObject Observation() => JsonNode.Parse($$"""
        {
          "format_version": 1,
          "source_table": "device_state",
          "schema_hash": "{{DeviceStateHash}}",
          "observed_at": "2025-01-31T12:00:00Z",
          "schema_columns": {{DeviceStateColumns}}
        }
        """)!.AsObject();

    public static string Batch(Action<JsonObject> change) => Changed(Batch(), change);

    public static string Observation(Action<JsonObject> change) => Changed(Observation(), change);

    public static JsonObject Row(JsonObject message, int index) => message["rows"]![index]!.AsObject();

    public static JsonObject Column(JsonObject message, int index) => message["schema_columns"]!["columns"]![index]!.AsObject();

    /// <summary>A batch of <paramref name="count"/> deletes without schema_columns.</summary>
    public static string BatchOfDeletes(int count) => Batch(m =>
    {
        m.Remove("schema_columns");
        var rows = new JsonArray();
        for (var seq = 1; seq <= count; seq++)
            rows.Add(new JsonObject { ["commit_seq"] = seq, ["op"] = "delete", ["pk"] = new JsonObject { ["id"] = seq }, ["row"] = null });
        m["rows"] = rows;
        m["first_commit_seq"] = 1;
        m["last_commit_seq"] = count;
    });

    public static ReadOnlyMemory<byte> Bytes(string json) => Encoding.UTF8.GetBytes(json);

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Changed(JsonObject message, Action<JsonObject> change)
    {
        change(message);
        return message.ToJsonString(Relaxed);
    }
}
