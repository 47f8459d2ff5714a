using System.Collections.Concurrent;
using System.Net;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Observability;

/// <summary>A node with an OTLP endpoint configured sends its traces and metrics there.</summary>
public sealed class OtlpExportTests
{
    /// <summary>An OTLP/HTTP receiver that only records which signal paths were posted to.</summary>
    private sealed class Collector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly CancellationTokenSource _stop = new();
        public ConcurrentQueue<(string Path, long Bytes)> Posts { get; } = new();
        public string Endpoint { get; }

        public Collector()
        {
            Endpoint = $"http://127.0.0.1:{FreePort.Next()}";
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                Posts.Enqueue((context.Request.Url!.AbsolutePath, body.Length));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Close();
        }
    }

    [Fact]
    public async Task With_an_OTLP_endpoint_the_node_exports_an_uplinks_trace_and_its_metrics()
    {
        using var collector = new Collector();
        var node = new NodeFixture
        {
            Settings =
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            },
        };
        await node.InitializeAsync();
        try
        {
            var device = await Fleet.RegisterDeviceAsync(node);
            await using (var mqtt = await device.ConnectAsync(node))
                Assert.Equal(MQTTnet.MqttClientPublishReasonCode.Success,
                    (await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads("exported").BatchJson(BatchPayloads.Inserts(1, 2)))).ReasonCode);

            await Eventually.GetAsync(() => Task.FromResult(collector.Posts.ToArray()),
                posts => posts.Any(p => p.Path == "/v1/traces" && p.Bytes > 0) && posts.Any(p => p.Path == "/v1/metrics" && p.Bytes > 0),
                what: "traces and metrics posted to the collector");
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
