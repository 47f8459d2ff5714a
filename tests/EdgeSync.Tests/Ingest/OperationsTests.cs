using System.Net;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Ingest;

[Collection(NodeCollection.Name)]
public sealed class OperationsTests(NodeFixture node)
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Operations_endpoints_answer_without_a_project_scope(string path)
    {
        using var client = node.CreateClient();
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Rejections_and_accepted_batches_are_counted_in_the_Prometheus_metrics()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using (var mqtt = await device.ConnectAsync(node))
        {
            await mqtt.PublishAsync("sync/rows/batch", "{not json");
            await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 2)));
        }

        using var client = node.CreateClient();
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Matches("""edgesync_ingest_messages_total\{[^}]*code="malformed_json"[^}]*outcome="rejected"[^}]*\} [1-9]""", metrics);
        Assert.Matches("""edgesync_ingest_messages_total\{[^}]*outcome="accepted"[^}]*\} [1-9]""", metrics);
        Assert.Matches("""edgesync_ingest_rows_total\{[^}]*outcome="staged"[^}]*\} ([2-9]|\d{2,})""", metrics);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_edge_endpoints()
    {
        using var client = node.CreateClient();
        var document = await client.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/edge/lineages", "/edge/lineages/{lineage_id}/staged-rows", "/edge/lineages/{lineage_id}/events", "/edge/schema-reviews/{review_id}", "/edge/rejections" })
            Assert.Contains(path, document);
    }
}
