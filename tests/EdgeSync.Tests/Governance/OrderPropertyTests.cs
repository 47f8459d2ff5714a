using System.Text.Json.Nodes;
using CsCheck;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Governance;

/// <summary>
/// Random inserts, updates and deletes on overlapping keys, split into batches that arrive before
/// approval (staged), right after it (behind the replaying backlog) and later (live): the mirror
/// always ends equal to the SQLite table.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class OrderPropertyTests(NodeFixture node)
{
    public sealed record Op(bool Delete, long Key, string Text, long Number);

    public sealed record Scenario(Op[] Ops, int[] Cuts, int ApproveAfterBatch)
    {
        public override string ToString() =>
            $"approve after batch {ApproveAfterBatch}, cuts [{string.Join(",", Cuts)}], ops {string.Join(" ", Ops.Select(o => o.Delete ? $"-{o.Key}" : $"+{o.Key}:{o.Number}"))}";
    }

    private static readonly Gen<Op> GenOp = Gen.Select(Gen.Int[0, 3], Gen.Long[1, 6], Gen.String[Gen.Char.AlphaNumeric, 0, 6], Gen.Long[-50, 50],
        (kind, key, text, number) => new Op(kind == 0, key, text, number));

    private static readonly Gen<Scenario> GenScenario = Gen.Select(GenOp.Array[4, 60], Gen.Int[1, 59].Array[1, 6], Gen.Int[0, 6],
        (ops, cuts, approveAfter) => new Scenario(ops, cuts.Where(c => c < ops.Length).Distinct().Order().ToArray(), approveAfter));

    [Fact]
    public Task The_mirror_equals_SQLite_whatever_the_split_between_staged_replayed_and_live_batches() =>
        GenScenario.SampleAsync(RunAsync, iter: 12, threads: 1, print: s => s.ToString());

    private async Task RunAsync(Scenario scenario)
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        using var source = new SqliteSource("events", "k INTEGER PRIMARY KEY NOT NULL, t TEXT, n INTEGER");

        // The first batch always carries a row so that a lineage and its review exist.
        source.Upsert(new Dictionary<string, object?> { ["k"] = 0L, ["t"] = "seed", ["n"] = 0L });
        var batches = new List<string> { source.TakeBatch()! };
        var start = 0;
        foreach (var cut in scenario.Cuts.Append(scenario.Ops.Length))
        {
            foreach (var op in scenario.Ops[start..cut])
            {
                if (op.Delete)
                    source.Delete(new Dictionary<string, object?> { ["k"] = op.Key });
                else
                    source.Upsert(new Dictionary<string, object?> { ["k"] = op.Key, ["t"] = op.Text, ["n"] = op.Number });
            }
            if (source.TakeBatch() is { } batch)
                batches.Add(batch);
            start = cut;
        }

        Guid? lineageId = null;
        for (var i = 0; i < batches.Count; i++)
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", batches[i])).ReasonCode);
            if (i == Math.Min(scenario.ApproveAfterBatch, batches.Count - 1))
            {
                lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
                await api.ApproveAsync((await api.OpenReviewAsync(lineageId.Value)).GetProperty("id").GetGuid(),
                [
                    new { source_column_name = "k", action = "mirror" },
                    new { source_column_name = "t", action = "mirror" },
                    new { source_column_name = "n", action = "mirror" },
                ]);
            }
        }

        await api.WaitForBacklogDrainedAsync(lineageId!.Value);
        var mirror = (await api.MirrorRowsAsync(lineageId.Value))
            .ToDictionary(r => new JsonObject { ["k"] = r.GetProperty("k").GetInt64() }.ToJsonString(),
                r => (r.GetProperty("t").GetString()!, r.GetProperty("n").GetInt64()));
        var expected = source.Rows().ToDictionary(r => r.Key, r => (r.Value["t"]!.GetValue<string>(), r.Value["n"]!.GetValue<long>()));
        Assert.Equal(expected.OrderBy(e => e.Key), mirror.OrderBy(m => m.Key));
    }
}
