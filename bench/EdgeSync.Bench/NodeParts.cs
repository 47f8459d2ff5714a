using System.Diagnostics;
using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Bench;

/// <summary>CPU microseconds per row of the node's payload reader, timed in isolation on one thread.</summary>
/// <param name="JsonParseUs">JsonDocument.Parse of the payload alone, for scale.</param>
/// <param name="ReadAndValidateUs">RowBatchReader.Read: parse, validate, and build each row's pk and row.</param>
public sealed record NodeParts(int Rows, double JsonParseUs, double ReadAndValidateUs);

/// <summary>
/// Runs the node's own payload reader (<see cref="RowBatchReader"/>) and, for scale, a plain
/// <see cref="JsonDocument"/> parse over a sample of the measured payloads, with nothing else
/// running, so that part of the node's CPU per row can be set against what it spends end to end.
/// </summary>
public static class NodePartsMeter
{
    /// <summary>Enough rounds for the tiered JIT to have compiled both loops fully before they are timed.</summary>
    public const int WarmupRounds = 10;

    private const int Rounds = 5;

    public static NodeParts Measure(IReadOnlyList<byte[]> payloads)
    {
        var batches = payloads.Select(p => RowBatchReader.Read(p)).ToList();
        if (batches.Any(b => !b.IsAccepted))
            throw new InvalidOperationException($"the node's reader refused a benchmark payload: {batches.First(b => !b.IsAccepted).Rejection}");
        var rows = batches.Sum(b => b.Value!.Rows.Count);

        var parse = MicrosecondsPerRow(payloads, rows, payload => JsonDocument.Parse(payload).Dispose());
        var read = MicrosecondsPerRow(payloads, rows, payload => RowBatchReader.Read(payload));
        return new NodeParts(rows, parse, read);
    }

    private static double MicrosecondsPerRow(IReadOnlyList<byte[]> payloads, int rows, Action<byte[]> work)
    {
        for (var round = 0; round < WarmupRounds; round++)
            foreach (var payload in payloads)
                work(payload);
        var started = Stopwatch.GetTimestamp();
        for (var round = 0; round < Rounds; round++)
            foreach (var payload in payloads)
                work(payload);
        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / (Rounds * (double)rows);
    }
}
