using System.Net.Http.Json;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Governance;

/// <summary>A fleet approval's fan-out outlives the node that ran it.</summary>
public sealed class FleetApprovalCrashTests(ITestOutputHelper output)
{
    private const string Api = "/core/api/v1/projects";
    private const int Devices = 60;

    [Fact]
    public async Task A_node_killed_in_the_middle_of_a_fleet_approval_fan_out_leaves_every_lineage_approved_exactly_once()
    {
        // One approval at a time, so that the kill lands in the middle; the survivor takes over after 5 s.
        await using var nodes = await TwoNodes.StartAsync(new Dictionary<string, string>
        {
            ["Fleets__FanOutParallelism"] = "1",
            ["Fleets__FanOutTakeoverAfter"] = "00:00:05",
        });
        var token = TwoNodes.AdminToken();
        using var viaFirst = TwoNodes.Http(nodes.FirstPorts, token);
        using var viaSecond = TwoNodes.Http(nodes.SecondPorts, token);
        var project = await Fleet.CreateProjectAsync(viaFirst);
        for (var i = 0; i < Devices; i++)
        {
            var device = await Fleet.RegisterDeviceAsync(viaFirst, project);
            await using var mqtt = await TestDevice.ConnectAsync(nodes.FirstPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
            var table = new BatchPayloads("meter");
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", table.BatchJson(BatchPayloads.Inserts(1, 3)))).ReasonCode);
        }
        var group = (await viaFirst.GetJsonAsync($"{Api}/{project}/edge/schema-groups")).GetProperty("data")[0];
        Assert.Equal(Devices, group.GetProperty("lineage_count").GetInt32());
        var columns = group.GetProperty("proposed_columns").EnumerateArray()
            .Select(c => new { source_column_name = c.GetProperty("name").GetString(), action = "mirror" }).ToArray();

        HttpRequestMessage Approval()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"{Api}/{project}/edge/schema-reviews/{group.GetProperty("example_review_id").GetGuid()}/approve")
            {
                Content = JsonContent.Create(new { action_version = 1, column_actions = columns, scope = "project" }),
            };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            return request;
        }
        var approval = viaSecond.SendAsync(Approval());
        var active = await Eventually.GetAsync(() => ActiveAsync(viaFirst, project), n => n >= 3, TimeSpan.FromSeconds(60), "the fan-out to start");
        await nodes.Second.DisposeAsync(); // SIGKILL in the middle of the fan-out
        Assert.True(active < Devices, "the kill should land before the fan-out ends");
        output.WriteLine($"killed with {active} of {Devices} lineages approved");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => approval);

        await Eventually.GetAsync(() => ActiveAsync(viaFirst, project), n => n == Devices, TimeSpan.FromSeconds(180), "the survivor to finish the fan-out");
        var lineages = (await viaFirst.GetJsonAsync($"{Api}/{project}/edge/lineages?limit=200")).GetProperty("data").EnumerateArray().ToList();
        foreach (var lineage in lineages)
        {
            var events = (await viaFirst.GetJsonAsync($"{Api}/{project}/edge/lineages/{lineage.GetProperty("id").GetGuid()}/events?limit=200"))
                .GetProperty("data").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
            Assert.Equal(1, events.Count(t => t == "review_approved"));
            Assert.Equal(1, events.Count(t => t == "schema_accepted"));
        }
        var decision = await Eventually.GetAsync(async () => (await viaFirst.GetJsonAsync($"{Api}/{project}/edge/registry/decisions")).GetProperty("data")[0],
            d => d.GetProperty("fan_out").GetString() == "completed", TimeSpan.FromSeconds(90), "the decision's fan-out to be recorded complete");
        Assert.Equal(Devices, decision.GetProperty("target_count").GetInt32());

        // The operator sends the approval that never got its answer again (a new key: the first one is
        // held until its in-flight timeout): it answers the decision in force, with every review approved.
        using var retried = await viaFirst.SendAsync(Approval());
        var answer = await Fleet.ReadDataAsync(retried);
        Assert.Equal(decision.GetProperty("decision_id").GetGuid(), answer.GetProperty("decision").GetProperty("decision_id").GetGuid());
        Assert.Equal(Devices, answer.GetProperty("approved_review_ids").GetArrayLength());
    }

    private static async Task<int> ActiveAsync(HttpClient client, Guid project) =>
        (await client.GetJsonAsync($"{Api}/{project}/edge/lineages?status=active&limit=1")).GetProperty("meta").GetProperty("total_items").GetInt32();
}
