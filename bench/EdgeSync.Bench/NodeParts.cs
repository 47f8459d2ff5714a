using System.Diagnostics;
using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Bench;

/// <summary>CPU microseconds per row of pieces of the node's ingest path, timed in isolation on one thread.</summary>
/// <param name="JsonParseUs">only JsonDocument.Parse of the payload: the floor under ReadAndValidateUs.</param>
public sealed record NodeParts(int Rows, double JsonParseUs, double ReadAndValidateUs, double RowJsonReparseUs);

/// <summary>
/// Runs the node's own payload reader (<see cref="RowBatchReader"/>: parse, validate, cut each
/// row into pk/row JSON strings) and the per-row re-parse the mirror writer does
/// (<c>CollapsedChanges</c>: <c>JsonDocument.Parse</c> of every row's JSON) on a sample of the
/// measured payloads, with nothing else running, so that part of the node's CPU per row can be
/// compared with what it spends end to end.
/// </summary>
public static class NodePartsMeter
{
    public static NodeParts Measure(IReadOnlyList<byte[]> payloads)
    {
        var batches = payloads.Select(p => RowBatchReader.Read(p)).ToList(); // warm-up (JIT) and the rows to re-parse
        if (batches.Any(b => !b.IsAccepted))
            throw new InvalidOperationException($"the node's reader refused a benchmark payload: {batches.First(b => !b.IsAccepted).Rejection}");
        var rows = batches.Sum(b => b.Value!.Rows.Count);
        const int Rounds = 3;

        var started = Stopwatch.GetTimestamp();
        for (var round = 0; round < Rounds; round++)
            foreach (var payload in payloads)
                JsonDocument.Parse(payload).Dispose();
        var parse = Stopwatch.GetElapsedTime(started).TotalMicroseconds / (Rounds * (double)rows);

        started = Stopwatch.GetTimestamp();
        for (var round = 0; round < Rounds; round++)
            foreach (var payload in payloads)
                _ = RowBatchReader.Read(payload);
        var read = Stopwatch.GetElapsedTime(started).TotalMicroseconds / (Rounds * (double)rows);

        long properties = 0;
        started = Stopwatch.GetTimestamp();
        for (var round = 0; round < Rounds; round++)
            foreach (var batch in batches)
                foreach (var row in batch.Value!.Rows)
                {
                    using var document = JsonDocument.Parse(row.RowJson!);
                    foreach (var property in document.RootElement.EnumerateObject())
                        properties += property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetDouble(out _) ? 1 : 0;
                }
        var reparse = Stopwatch.GetElapsedTime(started).TotalMicroseconds / (Rounds * (double)rows);
        GC.KeepAlive(properties);
        return new NodeParts(rows, parse, read, reparse);
    }
}
