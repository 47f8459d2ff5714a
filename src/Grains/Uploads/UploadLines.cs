using System.Runtime.CompilerServices;
using ZstdSharp;

namespace EdgeSync.Uploads;

/// <summary>
/// The lines of a stored object: its chunks read one at a time through zstd decompression and
/// split at <c>\n</c>, with a cap on a line and on the whole decompressed size, so that neither a
/// long line nor a zstd bomb can make a node hold more than a line. Throws
/// <see cref="UploadFormatException"/> for anything that is not zstd-compressed JSONL within the caps.
/// </summary>
public static class UploadLines
{
    private const int ReadBytes = 1 << 20;

    public static async IAsyncEnumerable<byte[]> ReadAsync(Stream compressed, int maxLineBytes, long maxTotalBytes, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var decompressed = new DecompressionStream(compressed, leaveOpen: false);
        var buffer = new byte[ReadBytes];
        var line = new MemoryStream();
        long total = 0;
        long number = 0;
        var emptySeen = false;
        while (true)
        {
            int read;
            try
            {
                read = await decompressed.ReadAsync(buffer, ct);
            }
            catch (Exception e) when (e is ZstdException or InvalidDataException or InvalidOperationException)
            {
                throw new UploadFormatException($"The object is not valid zstd: {e.Message}");
            }
            if (read == 0)
                break;
            total += read;
            if (total > maxTotalBytes)
                throw new UploadFormatException($"The object decompresses to more than {maxTotalBytes} bytes, the most allowed.");
            var span = buffer.AsMemory(0, read);
            while (span.Length > 0)
            {
                var end = span.Span.IndexOf((byte)'\n');
                var part = end < 0 ? span : span[..end];
                if (line.Length + part.Length > maxLineBytes)
                    throw new UploadFormatException($"Line {number + 1} of the object is longer than {maxLineBytes} bytes, the most allowed.");
                line.Write(part.Span);
                if (end < 0)
                    break;
                span = span[(end + 1)..];
                number++;
                if (line.Length == 0)
                {
                    emptySeen = true;
                    continue;
                }
                if (emptySeen)
                    throw new UploadFormatException($"Line {number - 1} of the object is empty; lines must each hold one JSON object.");
                yield return line.ToArray();
                line.SetLength(0);
            }
        }
        if (line.Length > 0)
        {
            if (emptySeen)
                throw new UploadFormatException("The object has an empty line before its last; lines must each hold one JSON object.");
            yield return line.ToArray();
        }
    }
}
