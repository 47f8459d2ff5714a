using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Uploads;

/// <summary>
/// A <c>payload_spill</c> object back as one row batch: line 1 is the batch envelope without
/// <c>rows</c>, every other line one row operation. The lines are joined into the
/// <c>sync/rows/batch</c> JSON they split, which then goes through every check of a batch but the
/// 512 KiB payload limit (<see cref="RowBatchReader.ReadSpilled"/>).
/// </summary>
public static class SpilledBatch
{
    public static async Task<WireResult<RowBatch>> ReadAsync(Stream compressed, UploadOptions options, CancellationToken ct = default)
    {
        using var json = new MemoryStream();
        var rows = 0;
        await foreach (var line in UploadLines.ReadAsync(compressed, options.MaxLineBytes, options.MaxSpillBytes, ct))
        {
            if (!IsOneObject(line))
                throw new UploadFormatException($"Line {rows + 1} of the spilled batch is not one JSON object.");
            if (rows == 0)
            {
                using var header = JsonDocument.Parse(line);
                if (header.RootElement.TryGetProperty("rows", out _))
                    throw new UploadFormatException("Line 1 of the spilled batch (its envelope) must not carry rows; each row is a line of its own.");
                var body = line.AsSpan(0, line.AsSpan().LastIndexOf((byte)'}'));
                json.Write(body);
                json.Write(body.TrimEnd(" \t\r"u8).EndsWith("{"u8) ? "\"rows\":["u8 : ",\"rows\":["u8);
            }
            else
            {
                if (rows > 1)
                    json.WriteByte((byte)',');
                json.Write(line);
            }
            rows++;
        }
        if (rows == 0)
            throw new UploadFormatException("The spilled batch is empty; line 1 must be its envelope.");
        json.Write("]}"u8);
        return RowBatchReader.ReadSpilled(json.GetBuffer().AsMemory(0, (int)json.Length));
    }

    /// <summary>True when the line is exactly one JSON object (so joining lines cannot change the batch's structure).</summary>
    private static bool IsOneObject(byte[] line)
    {
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = WireLimits.MaxJsonDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
