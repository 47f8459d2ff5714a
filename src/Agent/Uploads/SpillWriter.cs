using System.Buffers;
using System.Text.Json;
using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Publish;
using EdgeSync.Wire;
using ZstdSharp;

namespace EdgeSync.Agent.Uploads;

/// <summary>
/// Writes a <c>payload_spill</c> object: one <c>sync/rows/batch</c> split in lines, zstd-compressed.
/// Line 1 is the batch envelope without <c>rows</c>; then one line per row operation
/// <c>{ commit_seq, op, pk, row }</c> encoded exactly as in a row batch.
/// </summary>
public static class SpillWriter
{
    public static long Write(string path, string batchId, string journalEpoch, string table, string schemaHash, string? fingerprintJson, IReadOnlyList<JournalRow> rows)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, WireValues.WriterOptions))
        {
            writer.WriteStartObject();
            RowBatchWriter.WriteEnvelopeMembers(writer, batchId, journalEpoch, table, schemaHash, fingerprintJson, rows[0].CommitSeq, rows[^1].CommitSeq);
            writer.WriteEndObject();
        }
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            using (var zstd = new CompressionStream(file, 3, leaveOpen: true))
            {
                zstd.Write(buffer.WrittenSpan);
                foreach (var row in rows)
                {
                    zstd.Write("\n"u8);
                    zstd.Write(RowBatchBuilder.EncodeRow(row));
                }
                zstd.Write("\n"u8);
            }
            file.Flush(flushToDisk: true);
        }
        return new FileInfo(path).Length;
    }
}
