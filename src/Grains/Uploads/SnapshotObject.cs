using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Uploads;

/// <summary>
/// Reads a <c>bootstrap_snapshot</c> object: its header, then <c>{ "pk": {...}, "row": {...} }</c>
/// lines. <see cref="CheckAsync"/> reads it whole once, before the finalize is accepted, so that a
/// parse error anywhere is the finalize's refusal and never a failure in the middle of applying it.
/// </summary>
public static class SnapshotObject
{
    /// <summary>The header, once every line has been checked and the rows counted; throws <see cref="UploadFormatException"/>.</summary>
    public static async Task<SnapshotHeader> CheckAsync(Stream compressed, UploadOptions options, CancellationToken ct = default)
    {
        SnapshotHeader? header = null;
        long rows = 0;
        await foreach (var line in UploadLines.ReadAsync(compressed, options.MaxLineBytes, options.MaxSnapshotBytes, ct))
        {
            if (header is null)
            {
                header = SnapshotHeader.Parse(line);
                continue;
            }
            rows++;
            if (rows > header.RowCount)
                throw new UploadFormatException($"The snapshot has more rows than its header's row_count of {header.RowCount}.");
            CheckRow(line, rows);
        }
        if (header is null)
            throw new UploadFormatException("The snapshot is empty; line 1 must be its header.");
        if (rows != header.RowCount)
            throw new UploadFormatException($"The snapshot has {rows} rows, not the {header.RowCount} of its header's row_count.");
        return header;
    }

    /// <summary>
    /// The rows after the header, skipping the first <paramref name="skip"/>, as <c>update</c>
    /// operations at <paramref name="commitSeq"/>, parsed once (the mirror writer reuses the parse).
    /// The object was checked whole before: a line that no longer parses is an error all the same.
    /// </summary>
    public static async IAsyncEnumerable<RowOperation> RowsAsync(Stream compressed, UploadOptions options, long skip, long commitSeq,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        long number = -1;
        var names = new WireNames();
        await foreach (var line in UploadLines.ReadAsync(compressed, options.MaxLineBytes, options.MaxSnapshotBytes, ct))
        {
            number++;
            if (number == 0 || number <= skip)
                continue;
            yield return Parsed(line, number, commitSeq, names);
        }
    }

    private static RowOperation Parsed(byte[] line, long number, long commitSeq, WireNames names)
    {
        try
        {
            using var document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = WireLimits.MaxJsonDepth });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("pk", out var pk) || pk.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("row", out var row) || row.ValueKind != JsonValueKind.Object)
                throw Invalid(number, "is not { \"pk\": {…}, \"row\": {…} }");
            return RowOperation.Parsed(commitSeq, RowOperation.Update, pk.GetRawText(), row.GetRawText(), WireObject.From(pk, names), WireObject.From(row, names));
        }
        catch (JsonException e)
        {
            throw new UploadFormatException($"Row {number} of the snapshot is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The line is one object with a <c>pk</c> object and a <c>row</c> object; nothing is kept of it.</summary>
    private static void CheckRow(byte[] line, long number)
    {
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = WireLimits.MaxJsonDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Invalid(number, "is not a JSON object");
            bool pk = false, row = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isPk = reader.ValueTextEquals("pk"u8);
                var isRow = !isPk && reader.ValueTextEquals("row"u8);
                reader.Read();
                var isObject = reader.TokenType == JsonTokenType.StartObject;
                reader.Skip();
                if (isPk)
                    pk = isObject ? true : throw Invalid(number, "has a pk that is not an object");
                else if (isRow)
                    row = isObject ? true : throw Invalid(number, "has a row that is not an object");
            }
            if (reader.Read())
                throw Invalid(number, "holds more than one JSON value");
            if (!pk)
                throw Invalid(number, "has no pk");
            if (!row)
                throw Invalid(number, "has no row");
        }
        catch (JsonException e)
        {
            throw new UploadFormatException($"Row {number} of the snapshot is not valid JSON: {e.Message}");
        }
    }

    private static UploadFormatException Invalid(long number, string problem) => new($"Row {number} of the snapshot {problem}.");
}
