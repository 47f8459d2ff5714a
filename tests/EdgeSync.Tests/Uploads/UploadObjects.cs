using System.Text;
using System.Text.Json.Nodes;
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

    public static string UrlRequest(string table, string kind) =>
        $$"""{"format_version":1,"request_kind":"url_request","source_table":"{{table}}","segment_kind":"{{kind}}"}""";

    public static string Finalize(string table, string kind, Guid uploadId, Guid batchId) =>
        $$"""{"format_version":1,"request_kind":"finalize","source_table":"{{table}}","segment_kind":"{{kind}}","upload_id":"{{uploadId}}","batch_id":"{{batchId}}"}""";
}
