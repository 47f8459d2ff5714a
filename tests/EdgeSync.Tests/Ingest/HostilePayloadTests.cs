using System.Text;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using EdgeSync.Tests.Wire;
using EdgeSync.Wire;
using MQTTnet;

namespace EdgeSync.Tests.Ingest;

/// <summary>
/// Every uplink gets an answer: whatever the bytes, the node acknowledges the batch as accepted
/// or as a rejection with a code that it recorded, and keeps the connection. Only an unavailable
/// database or cluster may withhold the acknowledgement, and none is unavailable here.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class HostilePayloadTests(NodeFixture node)
{
    private const string Api = "/core/api/v1/projects";

    private static readonly HashSet<string> KnownCodes = typeof(RejectionCodes).GetFields()
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public async Task Every_generated_or_mutated_payload_is_answered_as_accepted_or_as_a_recorded_rejection_with_a_code()
    {
        // Seeds from a fixed start, so that a failure names the sample to replay; half are valid
        // batches, about a sixth carry a hostile value (RandomRowBatches, PayloadMutations.Hostile).
        const int Samples = 2000;
        var start = Environment.GetEnvironmentVariable("EDGESYNC_HOSTILE_SEED") is { } seed ? int.Parse(seed) : 11_000;
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        // Most go to sync/rows/batch; every tenth each to the other two uplinks, which share the gateway.
        string TopicOf(int i) => $"{device.TopicRoot}/sync/" + (i % 10) switch { 8 => "schema/observe", 9 => "ingest/ack", _ => "rows/batch" };

        var rejected = 0;
        var accepted = 0;
        for (var i = 0; i < Samples; i++)
        {
            var sample = RandomRowBatches.Build(start + i);
            MqttClientPublishResult ack;
            try
            {
                ack = await mqtt.PublishRawAsync(TopicOf(i), sample.Payload);
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException or OperationCanceledException)
            {
                Assert.Fail($"no acknowledgement ({e.GetType().Name}: {e.Message}) for {TopicOf(i)}, {Describe(sample)}");
                throw;
            }
            Assert.True(mqtt.IsConnected, $"the node closed the connection after {TopicOf(i)}, {Describe(sample)}");
            switch (ack.ReasonCode)
            {
                case MqttClientPublishReasonCode.Success:
                    accepted++;
                    break;
                case MqttClientPublishReasonCode.PayloadFormatInvalid or MqttClientPublishReasonCode.QuotaExceeded:
                    rejected++;
                    break;
                default:
                    Assert.Fail($"acknowledged with {ack.ReasonCode} for {TopicOf(i)}, {Describe(sample)}");
                    break;
            }
        }

        // Every refusal left one record, with a code devices know.
        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var records = new List<JsonElement>();
        for (var page = 1; ; page++)
        {
            var body = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}&limit=200&page={page}");
            records.AddRange(body.GetProperty("data").EnumerateArray());
            if (page >= body.GetProperty("meta").GetProperty("total_pages").GetInt32())
                break;
        }
        Assert.Equal(rejected, records.Count);
        foreach (var record in records)
        {
            Assert.Contains(record.GetProperty("code").GetString()!, KnownCodes);
            Assert.False(string.IsNullOrWhiteSpace(record.GetProperty("detail").GetString()));
        }
        Assert.True(accepted > Samples / 10 && rejected > Samples / 10, $"{accepted} accepted and {rejected} rejected: the samples no longer mix both");
    }

    private static string Describe(RandomRowBatches.Sample sample) =>
        $"seed {sample.Seed} ({EdgeSync.Escaping.SafeText.Escape(sample.Change)}): {EdgeSync.Escaping.SafeText.Escape(Encoding.UTF8.GetString(sample.Payload[..Math.Min(sample.Payload.Length, 400)]))}";
}
