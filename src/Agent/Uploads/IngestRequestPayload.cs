using System.Buffers;
using System.Text.Json;
using EdgeSync.Agent.Publish;
using EdgeSync.Wire;

namespace EdgeSync.Agent.Uploads;

/// <summary><c>sync/ingest/request</c>: a <c>url_request</c> or a <c>finalize</c>.</summary>
public static class IngestRequestPayload
{
    public static byte[] UrlRequest(string table, string segmentKind) => Write(writer =>
    {
        writer.WriteString("request_kind", "url_request");
        writer.WriteString("source_table", table);
        writer.WriteString("segment_kind", segmentKind);
    });

    public static byte[] Finalize(string table, string uploadId, string batchId, string segmentKind) => Write(writer =>
    {
        writer.WriteString("request_kind", "finalize");
        writer.WriteString("source_table", table);
        writer.WriteString("upload_id", uploadId);
        writer.WriteString("batch_id", batchId);
        writer.WriteString("segment_kind", segmentKind);
    });

    private static byte[] Write(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WireValues.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("format_version", WireLimits.FormatVersion);
            members(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
