using System.Diagnostics;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeSync.Bench;

/// <summary>
/// <c>EdgeSync.Bench fleet [--devices N] [--rows R] [--layout per_device|coalesced]</c>: a fleet meets a new table.
/// N devices (1,000) each send R rows (20) of the same new table with the same schema, in two
/// projects. In the first, one fleet approval of the one pending group; in the second, the
/// baseline of the same run: every review claimed and approved on its own, 16 at a time, as an
/// operator's script would. Each is timed from the first approval request until every lineage is
/// active and its staged rows are in the mirror. Target: the fleet approval within 30 s.
/// </summary>
public static class FleetApprovalBench
{
    private const string Table = "sensor_readings";
    private const int Parallel = 16;
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(30);

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public static async Task<int> RunAsync(string pg, string[] args, CancellationToken ct)
    {
        var devices = IntArg(args, "--devices", 1000);
        var rows = IntArg(args, "--rows", 20);
        var layout = Arg(args, "--layout");
        await using var bench = await ThrowawayNode.StartAsync(pg, ct);
        var (node, api) = (bench.Node, bench.Api);
        var fleet = await api.CreateProjectAsync($"fleet-{Guid.NewGuid():N}"[..14]);
        var baseline = await api.CreateProjectAsync($"base-{Guid.NewGuid():N}"[..13]);
        foreach (var project in new[] { fleet, baseline })
        {
            Log($"project {project}: {devices} devices send {rows} rows of {Table} each");
            await ForEachAsync(Enumerable.Range(0, devices), async i =>
            {
                var device = await api.CreateDeviceAsync(project, $"gw-{i:0000}");
                await PublishAsync(node.MqttPort, device, i, rows, ct);
            }, ct);
        }
        var groups = await api.SchemaGroupsAsync(fleet);
        if (groups.Count != 1 || groups[0].LineageCount != devices)
            throw new InvalidOperationException($"expected one pending group of {devices} lineages, found {string.Join(", ", groups.Select(g => g.LineageCount))}");
        var columns = TableStream.Columns.Select(c => c.Name).ToList();

        Log("fleet approval");
        var started = Stopwatch.StartNew();
        var approved = await api.FleetApproveAsync(fleet, groups[0].ExampleReviewId, columns, layout);
        var answered = started.Elapsed;
        await WaitAllWrittenAsync(api, fleet, devices, ct);
        var fleetTime = started.Elapsed;
        Log($"fleet approval: {approved} reviews approved, answered in {answered.TotalSeconds:0.0} s, all written in {fleetTime.TotalSeconds:0.0} s");

        Log("baseline: one approval per review");
        var reviews = await api.QueuedReviewsAsync(baseline);
        started.Restart();
        await ForEachAsync(reviews, review => api.ApproveAllMirroredAsync(baseline, review.Id, columns, layout ?? "per_device"), ct);
        await WaitAllWrittenAsync(api, baseline, devices, ct);
        var baselineTime = started.Elapsed;
        Log($"baseline: {reviews.Count} approvals, all written in {baselineTime.TotalSeconds:0.0} s");

        Console.WriteLine($"fleet approval of {devices} devices × {rows} rows ({layout ?? "per_device"}): {fleetTime.TotalSeconds:0.0} s to all active and written "
            + $"(answer after {answered.TotalSeconds:0.0} s); one approval per review (baseline, {Parallel} at a time): {baselineTime.TotalSeconds:0.0} s; "
            + $"ratio {fleetTime / baselineTime:0.00}; node RSS {bench.Rss() / 1048576.0:0} MiB");
        var ok = fleetTime <= Target;
        Console.WriteLine(ok ? $"PASS: within {Target.TotalSeconds:0} s" : $"FAIL: target {Target.TotalSeconds:0} s");
        return ok ? 0 : 1;
    }

    internal static async Task WaitAllWrittenAsync(OperatorApi api, Guid project, int devices, CancellationToken ct)
    {
        while (true)
        {
            var lineages = await api.LineagesAsync(project);
            if (lineages.Count == devices && lineages.All(l => l.Status == "active" && l.StagedRowCount == 0))
                return;
            await Task.Delay(200, ct);
        }
    }

    internal static async Task ForEachAsync<T>(IEnumerable<T> items, Func<T, Task> act, CancellationToken ct) =>
        await System.Threading.Tasks.Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = ct },
            async (item, _) => await act(item));

    private static async Task PublishAsync(int port, DeviceCredentials device, int index, int rows, CancellationToken ct)
    {
        var stream = new TableStream(index, 0);
        var batch = Rows(index, 1, rows);
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(device.Username)
            .WithCredentials(device.Username, device.Secret)
            .WithTimeout(TimeSpan.FromSeconds(60))
            .Build(), ct);
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(EdgeSync.Wire.DeviceTopics.Under(device.TopicRoot, EdgeSync.Wire.DeviceTopics.RowBatch))
            .WithPayload(stream.Payload(batch, withColumns: true))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), ct);
        if (result.ReasonCode != MqttClientPublishReasonCode.Success)
            throw new InvalidOperationException($"device {device.Name}: PUBACK {result.ReasonCode} {result.ReasonString}");
        await client.DisconnectAsync(cancellationToken: ct);
    }

    /// <summary><paramref name="count"/> new rows of a device, ids and commit sequences from <paramref name="first"/>.</summary>
    internal static Row[] Rows(int device, int first, int count)
    {
        var random = new Random(device * 31 + first);
        return Enumerable.Range(first, count).Select(i => new Row(i, "insert", i, $"plant-{device % 8}", "running",
            Math.Round(random.NextDouble() * 1000, 3), 20 + i % 10, i, 0, null)).ToArray();
    }

    internal static string? Arg(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    internal static int IntArg(string[] args, string name, int fallback) => Arg(args, name) is { } value ? int.Parse(value) : fallback;

}
