using System.Buffers;
using System.Text.Json;
using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Publish;
using ZstdSharp;

namespace EdgeSync.Agent.Uploads;

/// <summary>
/// Writes a <c>bootstrap_snapshot</c> object: one zstd stream of JSONL, line 1 the header
/// <c>{ snapshot_of, journal_epoch, commit_seq, schema_hash, row_count }</c>, then one
/// <c>{ "pk": {…}, "row": {…} }</c> line per row (values encoded as in <c>sync/rows/batch</c>). The
/// row count, the journal position and the rows are read in one read transaction, so the
/// snapshot is exactly the table at that journal position: later changes carry a higher
/// commit_seq. Rows are streamed from SQLite through the compressor to the file, never held
/// together in memory.
/// </summary>
public static class SnapshotWriter
{
    /// <summary>The object's header and size.</summary>
    public sealed record Result(long CommitSeq, long RowCount, long Bytes);

    public static Result Write(SourceDatabase database, TableShape shape, string journalEpoch, string path, CancellationToken ct = default)
    {
        using var transaction = database.Connection.BeginTransaction(deferred: true);
        // The first statement fixes the read snapshot; every later one sees the same database.
        var commitSeq = database.Scalar<long?>($"SELECT seq FROM sqlite_sequence WHERE name = '{JournalStore.Table}'", transaction) ?? 0;
        var table = SqlText.Identifier(shape.Name);
        var rowCount = database.Scalar<long>($"SELECT count(*) FROM {table}", transaction);
        var columns = shape.Columns.Select(c => c.Name).ToList();
        var keyIndexes = shape.Key.Select(k => columns.IndexOf(k.Name)).ToArray();

        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        long written = 0;
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            using (var zstd = new CompressionStream(file, 3, leaveOpen: true))
            {
                using (var writer = new Utf8JsonWriter(buffer, WireValues.WriterOptions))
                {
                    writer.WriteStartObject();
                    writer.WriteString("snapshot_of", shape.Name);
                    writer.WriteString("journal_epoch", journalEpoch);
                    writer.WriteNumber("commit_seq", commitSeq);
                    writer.WriteString("schema_hash", shape.Hash);
                    writer.WriteNumber("row_count", rowCount);
                    writer.WriteEndObject();
                }
                buffer.Write("\n"u8);

                using var command = database.Command($"SELECT {string.Join(", ", columns.Select(SqlText.Identifier))} FROM {table}", transaction);
                using var reader = command.ExecuteReader();
                var values = new object?[columns.Count];
                using var line = new Utf8JsonWriter(buffer, WireValues.WriterOptions);
                while (reader.Read())
                {
                    ct.ThrowIfCancellationRequested();
                    for (var i = 0; i < values.Length; i++)
                        values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    line.Reset(buffer);
                    line.WriteStartObject();
                    line.WriteStartObject("pk");
                    foreach (var k in keyIndexes)
                    {
                        line.WritePropertyName(columns[k]);
                        WireValues.WriteValue(line, values[k]);
                    }
                    line.WriteEndObject();
                    line.WriteStartObject("row");
                    for (var i = 0; i < values.Length; i++)
                    {
                        line.WritePropertyName(columns[i]);
                        WireValues.WriteValue(line, values[i]);
                    }
                    line.WriteEndObject();
                    line.WriteEndObject();
                    line.Flush();
                    buffer.Write("\n"u8);
                    written++;
                    if (buffer.WrittenCount >= 48 * 1024)
                    {
                        zstd.Write(buffer.WrittenSpan);
                        buffer.ResetWrittenCount();
                    }
                }
                zstd.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
            file.Flush(flushToDisk: true);
        }
        transaction.Commit();
        if (written != rowCount)
            throw new InvalidOperationException($"snapshot of {shape.Name}: counted {rowCount} rows but read {written}");
        return new Result(commitSeq, rowCount, new FileInfo(path).Length);
    }
}
