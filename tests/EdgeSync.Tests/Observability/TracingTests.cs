using System.Diagnostics;
using EdgeSync.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Observability;

[Collection(NodeCollection.Name)]
public sealed class TracingTests(NodeFixture node, ITestOutputHelper output)
{
    /// <summary>Every part of an uplink's handling: the node's own spans, the grain call, the database.</summary>
    private static void AssertWholeUplink(IReadOnlyList<Activity> trace)
    {
        var names = trace.Select(a => a.OperationName).ToHashSet();
        Assert.Contains("uplink.receive", names);
        Assert.Contains("uplink.validate", names);
        Assert.Contains("lineage.transaction", names);
        Assert.Contains("uplink.acknowledge", names);
        Assert.Contains(trace, a => a.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && a.OperationName.Contains("IngestRows", StringComparison.Ordinal));
        Assert.Contains(trace, a => a.Source.Name == "Npgsql");
        Assert.Single(trace, a => a.OperationName == "uplink.receive");
    }

    private static Task<IReadOnlyList<Activity>> WholeTraceAsync(RecordedSpans spans, ActivityTraceId traceId) =>
        Eventually.GetAsync(() => Task.FromResult(spans.OfTrace(traceId)),
            trace => trace.Any(a => a.OperationName == "uplink.receive") && trace.Any(a => a.OperationName == "uplink.acknowledge")
                && trace.Any(a => a.Source.Name == "Npgsql"),
            what: "the uplink's spans");

    [Fact]
    public async Task One_uplink_is_one_trace_with_receive_validate_grain_database_and_acknowledgement_spans()
    {
        using var spans = new RecordedSpans();
        var device = await Fleet.RegisterDeviceAsync(node);
        await using (var mqtt = await device.ConnectAsync(node))
            await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads("traced").BatchJson(BatchPayloads.Inserts(1, 2)));

        var receive = await Eventually.GetAsync(
            () => Task.FromResult(spans.All.FirstOrDefault(a => a.OperationName == "uplink.receive" && Equals(a.GetTagItem("edgesync.device_id"), device.DeviceId))),
            a => a is not null, what: "the receive span of the device's uplink");
        Assert.Equal(default, receive!.ParentSpanId);
        var trace = await WholeTraceAsync(spans, receive.TraceId);
        AssertWholeUplink(trace);
        Assert.All(trace.Where(a => a != receive), a => Assert.True(a.StartTimeUtc >= receive.StartTimeUtc));
        WriteTree(trace, receive, 0);
    }

    /// <summary>The trace as an indented tree in the test output: what an operator's trace viewer would show.</summary>
    private void WriteTree(IReadOnlyList<Activity> trace, Activity span, int depth)
    {
        output.WriteLine($"{new string(' ', depth * 2)}{span.OperationName} [{span.Source.Name}] {span.Duration.TotalMilliseconds:F1} ms");
        foreach (var child in trace.Where(a => a.ParentSpanId == span.SpanId).OrderBy(a => a.StartTimeUtc))
            WriteTree(trace, child, depth + 1);
    }

    [Fact]
    public async Task An_uplink_with_a_traceparent_user_property_continues_the_publishers_trace()
    {
        using var spans = new RecordedSpans();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();
        var device = await Fleet.RegisterDeviceAsync(node);
        await using (var mqtt = await device.ConnectAsync(node))
            await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads("traced").BatchJson(BatchPayloads.Inserts(1, 2)),
                new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{parentId}-01" });

        var trace = await WholeTraceAsync(spans, traceId);
        AssertWholeUplink(trace);
        Assert.Equal(parentId, trace.Single(a => a.OperationName == "uplink.receive").ParentSpanId);
    }

    [Fact]
    public async Task An_HTTP_request_with_a_traceparent_header_continues_the_gateways_trace()
    {
        using var spans = new RecordedSpans();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();
        var project = await Fleet.CreateProjectAsync(node);
        using var client = node.CreateClient("PLATFORM_ADMIN");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/core/api/v1/projects/{project}");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-01");
        (await client.SendAsync(request)).EnsureSuccessStatusCode();

        var trace = await Eventually.GetAsync(() => Task.FromResult(spans.OfTrace(traceId)),
            t => t.Any(a => a.Source.Name == "Microsoft.AspNetCore"), what: "the request's span");
        var server = trace.Single(a => a.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(parentId, server.ParentSpanId);
        Assert.Equal(ActivityKind.Server, server.Kind);
        // The request read the project from PostgreSQL within the same trace.
        Assert.Contains(trace, a => a.Source.Name == "Npgsql");
    }
}
