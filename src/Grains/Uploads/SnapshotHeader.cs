using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Uploads;

/// <summary>Line 1 of a <c>bootstrap_snapshot</c>: which table, as of which journal position, under which schema, how many rows.</summary>
public sealed record SnapshotHeader(string SnapshotOf, Guid JournalEpoch, long CommitSeq, string SchemaHash, long RowCount)
{
    /// <summary>The header, or throws <see cref="UploadFormatException"/> naming the field that is wrong.</summary>
    public static SnapshotHeader Parse(byte[] line)
    {
        try
        {
            using var document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = WireLimits.MaxJsonDepth });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new UploadFormatException("Line 1 of the snapshot (its header) is not a JSON object.");
            var table = Text(root, "snapshot_of") ?? throw Missing("snapshot_of", "the source table's name");
            if (!Uuid7.TryParse(Text(root, "journal_epoch"), out var epoch))
                throw Missing("journal_epoch", "a UUIDv7");
            if (!root.TryGetProperty("commit_seq", out var seq) || seq.ValueKind != JsonValueKind.Number || !seq.TryGetInt64(out var commitSeq) || commitSeq < 0)
                throw Missing("commit_seq", "a non-negative integer");
            var hash = Text(root, "schema_hash");
            if (hash is not { Length: 64 } || !hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
                throw Missing("schema_hash", "64 lowercase hexadecimal characters");
            if (!root.TryGetProperty("row_count", out var count) || count.ValueKind != JsonValueKind.Number || !count.TryGetInt64(out var rows) || rows < 0)
                throw Missing("row_count", "a non-negative integer");
            return new SnapshotHeader(table, epoch, commitSeq, hash, rows);
        }
        catch (JsonException e)
        {
            throw new UploadFormatException($"Line 1 of the snapshot (its header) is not valid JSON: {e.Message}");
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static UploadFormatException Missing(string field, string what) =>
        new($"Line 1 of the snapshot (its header) must have {field}: {what}.");
}
