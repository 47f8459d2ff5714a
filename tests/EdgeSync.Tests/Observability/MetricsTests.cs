using System.Net;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Observability;

/// <summary>What <c>/metrics</c> shows of a node after real MQTT uplinks.</summary>
public sealed class MetricsTests(ObservedNode observed) : IClassFixture<ObservedNode>
{
    private NodeFixture Node => observed.Node;

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var client = Node.CreateClient();
        return new PrometheusText(await client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Metrics_name_the_service_edgesync_and_the_node_and_include_the_library_meters()
    {
        // A finished API request, so that the ASP.NET Core meter has something to show whichever test runs first.
        await Fleet.CreateProjectAsync(Node);
        var metrics = await Eventually.GetAsync(ScrapeAsync, m => m.Has("http_server_request_duration_seconds_count"),
            what: "the API request in the ASP.NET Core meter");

        Assert.Equal(1, metrics.Sum("target_info", ("service_name", "edgesync"), ("service_instance_id", ObservedNode.Name)));
        Assert.True(metrics.Has("orleans_catalog_activations"), "the Orleans meter");
        Assert.True(metrics.Has("http_server_request_duration_seconds_count"), "the ASP.NET Core meter");
        Assert.True(metrics.Has("dotnet_gc_collections_total"), "the runtime meter");
        Assert.True(metrics.Has("db_client_operation_duration_seconds_count"), "the Npgsql meter");
    }

    [Fact]
    public async Task Uplinks_are_counted_by_outcome_rows_by_outcome_rejections_by_code_and_their_acknowledgement_latency_in_the_histogram()
    {
        var before = await ScrapeAsync();
        var device = await Fleet.RegisterDeviceAsync(Node);
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            await mqtt.PublishAsync("sync/rows/batch", "{not json");
            await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads("counted").BatchJson(BatchPayloads.Inserts(1, 3)));
            // A scrape may be answered from the exporter's cache of a few hundred milliseconds: wait for fresh figures.
            await Eventually.GetAsync(ScrapeAsync, m => m.Sum("edgesync_mqtt_devices_connected") >= 1, what: "the connected device to be counted");
        }

        var accepted = new[] { ("uplink", "sync/rows/batch"), ("result", "accepted") };
        double Delta(PrometheusText after, string metric, params (string, string)[] labels) => (after.Sum(metric, labels) ?? 0) - (before.Sum(metric, labels) ?? 0);
        var after = await Eventually.GetAsync(ScrapeAsync, m => Delta(m, "edgesync_ingest_ack_latency_seconds_count", accepted) >= 1,
            what: "the acknowledged batch in the histogram");
        Assert.True(Delta(after, "edgesync_ingest_messages_total", ("uplink", "sync/rows/batch"), ("outcome", "accepted")) >= 1);
        Assert.True(Delta(after, "edgesync_ingest_rows_total", ("outcome", "staged")) >= 3);
        Assert.True(Delta(after, "edgesync_ingest_messages_total", ("uplink", "sync/rows/batch"), ("outcome", "rejected"), ("code", "malformed_json")) >= 1);

        // Both uplinks were acknowledged: each is counted in the histogram, in its +Inf bucket and in its count.
        Assert.True(Delta(after, "edgesync_ingest_ack_latency_seconds_bucket", [.. accepted, ("le", "+Inf")]) >= 1);
        Assert.True(Delta(after, "edgesync_ingest_ack_latency_seconds_count", ("uplink", "sync/rows/batch"), ("result", "rejected")) >= 1);
        Assert.True(after.Sum("edgesync_ingest_ack_latency_seconds_sum", accepted) > 0);
        // Fine buckets where a healthy node answers, in seconds.
        Assert.Single(after.Samples("edgesync_ingest_ack_latency_seconds_bucket", [.. accepted, ("le", "0.01")]));
        Assert.Single(after.Samples("edgesync_ingest_ack_latency_seconds_bucket", [.. accepted, ("le", "0.001")]));

        // The device left: no connection is counted any more (no other test of this node is connected now).
        await Eventually.GetAsync(ScrapeAsync, m => m.Sum("edgesync_mqtt_devices_connected") == 0, what: "the disconnection to be counted");
    }

    [Fact]
    public async Task Governance_gauges_show_paused_lineages_by_reason_the_open_review_staged_rows_and_bytes_and_the_pending_control()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        using var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using (var mqtt = await device.ConnectAsync(Node))
            await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads("governed").BatchJson(BatchPayloads.Inserts(1, 4)));
        // The first batch of a table: a lineage paused for its schema review, with the rows staged.
        var lineageId = (await api.LineageOfAsync(device.DeviceId, "governed")).GetProperty("id").GetGuid();
        // An operator's pause on top: a pause_lineage control the (offline) device has not acknowledged.
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/lineages/{lineageId}/pause", new { reason = "maintenance" })).StatusCode);

        var metrics = await Eventually.GetAsync(ScrapeAsync, m => m.Sum("edgesync_lineages_paused", ("reason", "operator")) >= 1,
            what: "the operator's pause in the gauges");
        Assert.True(metrics.Sum("edgesync_lineages", ("status", "paused")) >= 1);
        Assert.True(metrics.Sum("edgesync_lineages_paused", ("reason", "schema_review")) >= 1);
        Assert.Equal(0, metrics.Sum("edgesync_lineages_paused", ("reason", "circuit_breaker")));
        Assert.Equal(0, metrics.Sum("edgesync_circuit_breakers_tripped"));
        Assert.True(metrics.Sum("edgesync_reviews_open") >= 1);
        Assert.True(metrics.Sum("edgesync_staged_rows") >= 4);
        Assert.True(metrics.Sum("edgesync_staged_bytes") > 0);
        Assert.True(metrics.Sum("edgesync_controls_pending") >= 1);
        Assert.Equal(0, metrics.Sum("edgesync_quarantined_rows"));
        Assert.Equal(0, metrics.Sum("edgesync_replays_active"));
    }
}
