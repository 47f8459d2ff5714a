using System.Diagnostics;

namespace EdgeSync.Bench;

/// <summary>
/// <c>EdgeSync.Bench lineages [--devices N] [--tables T] [--rows R] [--layout per_device|coalesced]</c>: the node's
/// resident memory with N × T lineages active (2,500 × 4 = 10,000). Every device stays connected;
/// each table is approved once for the fleet (coalesced by default), then every lineage writes one
/// live batch so that each grain holds its state and has used its write path. The baseline of the
/// same run is the idle node's RSS just after start. Target: ≤ 1.5 GiB.
/// </summary>
public static class FleetMemoryBench
{
    private const int Parallel = 16;
    private const long Target = 1536L * 1024 * 1024;

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public static async Task<int> RunAsync(string pg, string[] args, CancellationToken ct)
    {
        var devices = FleetApprovalBench.IntArg(args, "--devices", 2500);
        var tables = FleetApprovalBench.IntArg(args, "--tables", 4);
        var rows = FleetApprovalBench.IntArg(args, "--rows", 10);
        var layout = FleetApprovalBench.Arg(args, "--layout") ?? "coalesced";
        await using var bench = await ThrowawayNode.StartAsync(pg, ct);
        var (node, api) = (bench.Node, bench.Api);
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var idle = bench.Rss();
        var clients = new List<DeviceClient>();
        try
        {
            var project = await api.CreateProjectAsync($"mem-{Guid.NewGuid():N}"[..12]);

            var phase = Stopwatch.StartNew();
            Log($"{devices} devices connect and send {rows} rows of each of {tables} tables");
            var streams = Enumerable.Range(0, devices).Select(d => Enumerable.Range(0, tables).Select(t => new TableStream(d, t)).ToArray()).ToArray();
            var connected = new DeviceClient[devices];
            await FleetApprovalBench.ForEachAsync(Enumerable.Range(0, devices), async d =>
            {
                var device = await api.CreateDeviceAsync(project, $"gw-{d:00000}");
                connected[d] = await DeviceClient.ConnectAsync(node.MqttPort, device);
                foreach (var stream in streams[d])
                    await connected[d].PublishAsync(stream.Payload(FleetApprovalBench.Rows(d, 1, rows), withColumns: true), ct);
            }, ct);
            clients.AddRange(connected);
            Log($"first batches in after {phase.Elapsed.TotalSeconds:0} s");

            phase.Restart();
            var columns = TableStream.Columns.Select(c => c.Name).ToList();
            foreach (var group in await api.SchemaGroupsAsync(project))
                await api.FleetApproveAsync(project, group.ExampleReviewId, columns, layout);
            await FleetApprovalBench.WaitAllWrittenAsync(api, project, devices * tables, ct);
            Log($"{devices * tables} lineages approved for the fleet and replayed in {phase.Elapsed.TotalSeconds:0} s");

            phase.Restart();
            await FleetApprovalBench.ForEachAsync(Enumerable.Range(0, devices), async d =>
            {
                foreach (var stream in streams[d])
                    await connected[d].PublishAsync(stream.Payload(FleetApprovalBench.Rows(d, rows + 1, rows), withColumns: false), ct);
            }, ct);
            Log($"one live batch per lineage in {phase.Elapsed.TotalSeconds:0} s");
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            var active = bench.Rss();

            var lineages = await api.LineagesAsync(project);
            var written = lineages.Count(l => l.Status == "active" && l.StagedRowCount == 0);
            Console.WriteLine($"{written} of {devices * tables} lineages active ({devices} devices connected × {tables} tables, {layout}): node RSS {Mib(active)}; "
                + $"idle node just after start (baseline): {Mib(idle)}; ratio {active / (double)idle:0.00}; per lineage {(active - idle) / (double)(devices * tables) / 1024:0.0} KiB");
            var ok = active <= Target && written == devices * tables;
            Console.WriteLine(ok ? $"PASS: within {Mib(Target)}" : $"FAIL: target {Mib(Target)} with every lineage active");
            return ok ? 0 : 1;
        }
        finally
        {
            foreach (var client in clients.Where(c => c is not null))
                await client.DisposeAsync();
        }
    }

    private static string Mib(long bytes) => $"{bytes / 1048576.0:0} MiB";
}
