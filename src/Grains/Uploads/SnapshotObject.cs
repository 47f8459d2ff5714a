using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Uploads;

/// <summary>One row of a snapshot: the raw JSON of its <c>pk</c> and <c>row</c> objects.</summary>
public sealed record SnapshotRow(string PkJson, string RowJson);

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
            _ = ParseRow(line, rows);
        }
        if (header is null)
            throw new UploadFormatException("The snapshot is empty; line 1 must be its header.");
        if (rows != header.RowCount)
            throw new UploadFormatException($"The snapshot has {rows} rows, not the {header.RowCount} of its header's row_count.");
        return header;
    }

    /// <summary>The rows after the header, skipping the first <paramref name="skip"/>.</summary>
    public static async IAsyncEnumerable<SnapshotRow> RowsAsync(Stream compressed, UploadOptions options, long skip,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        long number = -1;
        await foreach (var line in UploadLines.ReadAsync(compressed, options.MaxLineBytes, options.MaxSnapshotBytes, ct))
        {
            number++;
            if (number == 0 || number <= skip)
                continue;
            yield return ParseRow(line, number);
        }
    }

    private static SnapshotRow ParseRow(byte[] line, long number)
    {
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = WireLimits.MaxJsonDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Invalid(number, "is not a JSON object");
            string? pk = null, row = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                var isObject = reader.TokenType == JsonTokenType.StartObject;
                reader.Skip();
                var text = System.Text.Encoding.UTF8.GetString(line, start, (int)reader.BytesConsumed - start);
                if (name == "pk")
                    pk = isObject ? text : throw Invalid(number, "has a pk that is not an object");
                else if (name == "row")
                    row = isObject ? text : throw Invalid(number, "has a row that is not an object");
            }
            if (reader.Read())
                throw Invalid(number, "holds more than one JSON value");
            return new SnapshotRow(pk ?? throw Invalid(number, "has no pk"), row ?? throw Invalid(number, "has no row"));
        }
        catch (JsonException e)
        {
            throw new UploadFormatException($"Row {number} of the snapshot is not valid JSON: {e.Message}");
        }
    }

    private static UploadFormatException Invalid(long number, string problem) => new($"Row {number} of the snapshot {problem}.");
}
