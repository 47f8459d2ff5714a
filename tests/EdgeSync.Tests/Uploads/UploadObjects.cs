using System.Text;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using ZstdSharp;

namespace EdgeSync.Tests.Uploads;

/// <summary>Upload objects as a device makes them: zstd-compressed JSONL.</summary>
public static class UploadObjects
{
    public static byte[] Compress(IEnumerable<string> lines)
    {
        using var output = new MemoryStream();
        using (var zstd = new CompressionStream(output))
        {
            foreach (var line in lines)
            {
                zstd.Write(Encoding.UTF8.GetBytes(line));
                zstd.WriteByte((byte)'\n');
            }
        }
        return output.ToArray();
    }

    /// <summary>A <c>sync/rows/batch</c> payload split into a <c>payload_spill</c>: the envelope without rows, then a line per row.</summary>
    public static (byte[] Object, Guid BatchId) Spill(string batchJson)
    {
        var batch = JsonNode.Parse(batchJson)!.AsObject();
        var rows = batch["rows"]!.AsArray();
        var lines = rows.Select(r => r!.ToJsonString()).ToList();
        batch.Remove("rows");
        return (Compress([batch.ToJsonString(), .. lines]), Guid.Parse(batch["batch_id"]!.GetValue<string>()));
    }

    /// <summary>The table's content now, at its last commit_seq, as a <c>bootstrap_snapshot</c>.</summary>
    public static byte[] Snapshot(SqliteSource source)
    {
        var fingerprint = source.Fingerprint();
        var key = fingerprint.PrimaryKey.Select(c => c.Name).ToList();
        var rows = source.Rows().Values.ToList();
        var header = new JsonObject
        {
            ["snapshot_of"] = source.Table,
            ["journal_epoch"] = source.Epoch.ToString(),
            ["commit_seq"] = source.CommitSeq,
            ["schema_hash"] = fingerprint.ComputeHash(),
            ["row_count"] = rows.Count,
        };
        var lines = rows.Select(row => new JsonObject
        {
            ["pk"] = new JsonObject(key.Select(k => KeyValuePair.Create(k, row[k]?.DeepClone()))),
            ["row"] = row.DeepClone(),
        }.ToJsonString());
        return Compress([header.ToJsonString(), .. lines]);
    }

    /// <summary>A <c>sync/schema/observe</c> with the table's columns, as the agent sends it before asking for a snapshot's URL.</summary>
    public static string Observe(SqliteSource source)
    {
        var fingerprint = source.Fingerprint();
        return new JsonObject
        {
            ["format_version"] = 1,
            ["source_table"] = source.Table,
            ["schema_hash"] = fingerprint.ComputeHash(),
            ["schema_columns"] = JsonNode.Parse(fingerprint.ToCanonicalJson()),
            ["observed_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
        }.ToJsonString();
    }

    public static string UrlRequest(string table, string kind) =>
        $$"""{"format_version":1,"request_kind":"url_request","source_table":"{{table}}","segment_kind":"{{kind}}"}""";

    public static string Finalize(string table, string kind, Guid uploadId, Guid batchId) =>
        $$"""{"format_version":1,"request_kind":"finalize","source_table":"{{table}}","segment_kind":"{{kind}}","upload_id":"{{uploadId}}","batch_id":"{{batchId}}"}""";
}
