using System.Text.Json.Nodes;
using CsCheck;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Governance;

/// <summary>
/// Random inserts, updates and deletes on overlapping keys, split into batches that arrive before
/// approval (staged), right after it (behind the replaying backlog) and later (live), in journal
/// order or in any order, some of them twice: the mirror always ends equal to the SQLite table.
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

    /// <param name="Order">Sort keys: the batches after the first are published in the order of their keys.</param>
    /// <param name="Again">Which batches are published a second time at the end: a redelivery (same batch id) or,
    /// when <paramref name="Rebatched"/> says so, the same rows in a new batch (as an agent that lost its state sends them).</param>
    public sealed record Arrival(Scenario Scenario, int[] Order, bool[] Again, bool[] Rebatched)
    {
        public override string ToString() =>
            $"{Scenario}, order [{string.Join(",", Order)}], again [{string.Join(",", Again)}], rebatched [{string.Join(",", Rebatched)}]";
    }

    private static readonly Gen<Arrival> GenArrival = Gen.Select(GenScenario, Gen.Int[0, 100].Array[7], Gen.Bool.Array[7], Gen.Bool.Array[7],
        (scenario, order, again, rebatched) => new Arrival(scenario, order, again, rebatched));

    [Fact]
    public Task The_mirror_equals_SQLite_whatever_the_split_between_staged_replayed_and_live_batches() =>
        GenScenario.SampleAsync(scenario => RunAsync(scenario, batches => batches), iter: 12, threads: 1, print: s => s.ToString());

    [Fact]
    public Task The_mirror_equals_SQLite_whatever_order_the_batches_arrive_in_and_however_often() =>
        GenArrival.SampleAsync(arrival => RunAsync(arrival.Scenario, batches => Shuffle(batches, arrival)), iter: 12, threads: 1, print: a => a.ToString());

    /// <summary>The first batch stays first (its review must exist before an approval); the others come in the arrival's order, then the repeats.</summary>
    private static List<string> Shuffle(List<string> batches, Arrival arrival)
    {
        var rest = Enumerable.Range(1, batches.Count - 1).OrderBy(i => arrival.Order[i % arrival.Order.Length]).ToList();
        var shuffled = rest.Select(i => batches[i]).Prepend(batches[0]).ToList();
        foreach (var i in rest.Where(i => arrival.Again[i % arrival.Again.Length]))
            shuffled.Add(arrival.Rebatched[i % arrival.Rebatched.Length] ? WithNewBatchId(batches[i]) : batches[i]);
        return shuffled;
    }

    private static string WithNewBatchId(string batch)
    {
        var json = JsonNode.Parse(batch)!.AsObject();
        json["batch_id"] = Guid.CreateVersion7().ToString();
        return json.ToJsonString();
    }

    private async Task RunAsync(Scenario scenario, Func<List<string>, List<string>> arrive)
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        using var source = new SqliteSource("events", "k INTEGER PRIMARY KEY NOT NULL, t TEXT, n INTEGER");

        // The first batch always carries a row so that a lineage and its review exist; every batch
        // carries the columns, so that whichever arrives first can be reviewed.
        source.Upsert(new Dictionary<string, object?> { ["k"] = 0L, ["t"] = "seed", ["n"] = 0L });
        var written = new List<string> { source.TakeBatch(withColumns: true)! };
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
            if (source.TakeBatch(withColumns: true) is { } batch)
                written.Add(batch);
            start = cut;
        }
        var batches = arrive(written);

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
