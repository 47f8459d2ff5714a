using System.Net.Http.Json;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using MQTTnet;
using Npgsql;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Ingest;

/// <summary>Two processes of the same binary form one cluster and share the lineage grains: a device may land on either.</summary>
public sealed class TwoSiloTests(ITestOutputHelper output)
{
    private const string Api = "/core/api/v1/projects";

    [Fact]
    public async Task Batches_through_either_node_reach_the_same_lineage()
    {
        await using var nodes = await TwoNodes.StartAsync();
        var (firstPorts, _, secondPorts, _) = nodes;

        var token = TwoNodes.AdminToken();
        using var viaFirst = TwoNodes.Http(firstPorts, token);
        using var viaSecond = TwoNodes.Http(secondPorts, token);
        var device = await Fleet.RegisterDeviceAsync(viaFirst);

        var payloads = new BatchPayloads();
        await using (var mqtt = await TestDevice.ConnectAsync(secondPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot))
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(1, 2)))).ReasonCode);
        await using (var mqtt = await TestDevice.ConnectAsync(firstPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot))
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/rows/batch", payloads.BatchJson(BatchPayloads.Inserts(2, 3), withColumns: false))).ReasonCode);

        var lineages = await viaSecond.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}");
        var lineage = Assert.Single(lineages.GetProperty("data").EnumerateArray());
        var lineageId = lineage.GetProperty("id").GetGuid();
        var staged = await viaSecond.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/staged-rows");
        Assert.Equal([1L, 2, 3, 4], staged.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));

        // A control issued through one node reaches the device on the node it is connected to.
        await using var listening = await TestDevice.ConnectAsync(secondPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
        await listening.ListenForControlsAsync();
        var pause = new HttpRequestMessage(HttpMethod.Post, $"{Api}/{device.ProjectId}/edge/lineages/{lineageId}/pause") { Content = JsonContent.Create(new { reason = "cross-node" }) };
        pause.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.True((await viaFirst.SendAsync(pause)).IsSuccessStatusCode);
        var control = await listening.WaitForControlAsync("pause_lineage");
        Assert.Equal("cross-node", control.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Batches_of_one_table_racing_through_two_nodes_end_in_a_mirror_equal_to_the_SQLite_table()
    {
        await using var nodes = await TwoNodes.StartAsync();
        var (firstPorts, _, secondPorts, _) = nodes;

        var token = TwoNodes.AdminToken();
        using var admin = TwoNodes.Http(firstPorts, token);
        var device = await Fleet.RegisterDeviceAsync(admin);
        using var api = new EdgeApi(TwoNodes.Http(secondPorts, token), device.ProjectId);
        // One device, connected to both nodes at once (each node runs its own broker): its
        // consecutive batches commit on two nodes in whatever order the race gives.
        await using var viaFirst = await TestDevice.ConnectAsync(firstPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
        await using var viaSecond = await TestDevice.ConnectAsync(secondPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
        using var source = new SqliteSource("meter", "k INTEGER PRIMARY KEY NOT NULL, t TEXT");

        source.Upsert(new Dictionary<string, object?> { ["k"] = 0L, ["t"] = "seed" });
        Assert.Equal(MqttClientPublishReasonCode.Success, (await viaFirst.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(),
            [new { source_column_name = "k", action = "mirror" }, new { source_column_name = "t", action = "mirror" }]);
        await api.WaitForBacklogDrainedAsync(lineageId);

        var random = new Random(20261206);
        var batches = new List<string>();
        for (var b = 0; b < 60; b++)
        {
            for (var op = 0; op < 4; op++)
            {
                var key = new Dictionary<string, object?> { ["k"] = (long)random.Next(12) };
                if (random.Next(3) == 0)
                    source.Delete(key);
                else
                    source.Upsert(new Dictionary<string, object?>(key) { ["t"] = $"v{b}.{op}" });
            }
            if (source.TakeBatch() is { } batch)
                batches.Add(batch);
        }
        async Task PublishAsync(TestDevice mqtt, int parity)
        {
            for (var i = parity; i < batches.Count; i += 2)
                Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", batches[i])).ReasonCode);
        }
        await Task.WhenAll(PublishAsync(viaFirst, 0), PublishAsync(viaSecond, 1));

        await api.WaitForBacklogDrainedAsync(lineageId);
        var mirror = (await api.MirrorRowsAsync(lineageId)).Select(r => (r.GetProperty("k").GetInt64(), r.GetProperty("t").GetString())).Order().ToList();
        var expected = source.Rows().Values.Select(r => (r["k"]!.GetValue<long>(), (string?)r["t"]!.GetValue<string>())).Order().ToList();
        Assert.Equal(expected, mirror);
    }

    [Fact]
    public async Task A_device_on_a_node_killed_with_SIGKILL_is_no_longer_connected_once_the_cluster_declares_the_node_dead()
    {
        await using var nodes = await TwoNodes.StartAsync();
        var (firstPorts, _, secondPorts, second) = nodes;

        var token = TwoNodes.AdminToken();
        using var viaFirst = TwoNodes.Http(firstPorts, token);
        var device = await Fleet.RegisterDeviceAsync(viaFirst);
        var deviceUrl = $"{Api}/{device.ProjectId}/devices/{device.DeviceId}";
        await using var mqtt = await TestDevice.ConnectAsync(secondPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
        await Eventually.GetAsync(() => viaFirst.GetJsonAsync(deviceUrl), d => d.GetProperty("data").GetProperty("connected").GetBoolean(), null, "the device to show connected");

        await second.DisposeAsync(); // SIGKILL: the node records no disconnect

        var shown = await Eventually.GetAsync(() => viaFirst.GetJsonAsync(deviceUrl), d => !d.GetProperty("data").GetProperty("connected").GetBoolean(),
            TimeSpan.FromSeconds(90), "the device to show disconnected");
        Assert.NotEqual(JsonValueKind.Null, shown.GetProperty("data").GetProperty("last_seen_at").ValueKind);
    }

    [Fact]
    public async Task A_device_on_a_healthy_node_keeps_its_connection_and_every_batch_while_another_node_holding_lineages_is_killed()
    {
        await using var nodes = await TwoNodes.StartAsync();
        var (firstPorts, _, secondPorts, second) = nodes;

        var token = TwoNodes.AdminToken();
        using var viaFirst = TwoNodes.Http(firstPorts, token);
        var device = await Fleet.RegisterDeviceAsync(viaFirst);
        // Sixteen tables: their lineage grains are activated on both nodes, half of them first
        // called through the node that will die.
        var tables = Enumerable.Range(0, 16).Select(i => new BatchPayloads($"t{i:00}")).ToList();
        await using (var onSecond = await TestDevice.ConnectAsync(secondPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot))
        {
            foreach (var table in tables.Where((_, i) => i % 2 == 1))
                Assert.Equal(MqttClientPublishReasonCode.Success, (await onSecond.PublishAsync("sync/rows/batch", table.BatchJson(BatchPayloads.Inserts(1, 2)))).ReasonCode);
        }
        await using var mqtt = await TestDevice.ConnectAsync(firstPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
        foreach (var table in tables.Where((_, i) => i % 2 == 0))
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", table.BatchJson(BatchPayloads.Inserts(1, 2)))).ReasonCode);

        await second.DisposeAsync(); // SIGKILL, while the device keeps publishing to the first node
        var killed = System.Diagnostics.Stopwatch.StartNew();

        for (var round = 0; round < 4; round++)
        {
            foreach (var table in tables)
            {
                var result = await mqtt.PublishAsync("sync/rows/batch", table.BatchJson(BatchPayloads.Inserts(3 + round * 2, 2), withColumns: false));
                Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
            }
            output.WriteLine($"round {round}: every table's batch acknowledged {killed.Elapsed.TotalSeconds:F1} s after the kill");
        }

        Assert.Equal(0, mqtt.Disconnects);
        var lineages = await viaFirst.GetJsonAsync($"{Api}/{device.ProjectId}/edge/lineages?device_id={device.DeviceId}&limit=100");
        var staged = lineages.GetProperty("data").EnumerateArray().Select(l => l.GetProperty("staged_row_count").GetInt64()).ToList();
        Assert.Equal(Enumerable.Repeat(10L, 16), staged);
    }

    [Fact]
    public async Task SIGTERM_mid_stream_ends_the_node_cleanly_and_loses_no_acknowledged_batch_nor_doubles_one()
    {
        await using var nodes = await TwoNodes.StartAsync();
        var (firstPorts, _, secondPorts, second) = nodes;
        using var admin = TwoNodes.Http(firstPorts, TwoNodes.AdminToken());
        var device = await Fleet.RegisterDeviceAsync(admin);
        var payloads = new BatchPayloads();
        const int rows = 5;
        var batches = Enumerable.Range(0, 5000).Select(b => payloads.BatchJson(BatchPayloads.Inserts(1 + b * rows, rows), withColumns: b == 0)).ToList();

        // The device publishes to the second node until that node goes away; SIGTERM comes mid-stream.
        var acknowledged = 0;
        var publishing = Task.Run(async () =>
        {
            await using var mqtt = await TestDevice.ConnectAsync(secondPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
            try
            {
                for (; acknowledged < batches.Count; acknowledged++)
                {
                    if ((await mqtt.PublishAsync("sync/rows/batch", batches[acknowledged])).ReasonCode != MqttClientPublishReasonCode.Success)
                        break;
                }
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException)
            {
                // The node closed the connection: this batch was not acknowledged.
            }
        });
        await Eventually.GetAsync(() => Task.FromResult(Volatile.Read(ref acknowledged)), n => n >= 50, TimeSpan.FromSeconds(30), "the device to be mid-stream");
        await second.TerminateAsync(TimeSpan.FromSeconds(60));
        await publishing;
        Assert.Equal(0, second.ExitCode);
        Assert.InRange(acknowledged, 1, batches.Count - 1);

        // What was acknowledged is there; the device sends the rest (and the one in doubt) to the other node.
        var api = new EdgeApi(admin, device.ProjectId);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        var staged = (await api.LineageAsync(lineageId)).GetProperty("counters").GetProperty("staged_row_count").GetInt64();
        Assert.InRange(staged, (long)acknowledged * rows, (acknowledged + 1L) * rows);
        await using (var mqtt = await TestDevice.ConnectAsync(firstPorts.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot))
        {
            foreach (var batch in batches.Skip(acknowledged))
                Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", batch)).ReasonCode);
        }
        Assert.Equal((long)batches.Count * rows, (await api.LineageAsync(lineageId)).GetProperty("counters").GetProperty("staged_row_count").GetInt64());
    }

    [Fact]
    public async Task Three_nodes_on_a_server_with_PostgreSQLs_stock_100_connections_take_every_batch_of_a_busy_fleet()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        await using (var check = new NpgsqlConnection(postgres.ConnectionString))
        {
            await check.OpenAsync();
            await using var show = new NpgsqlCommand("SHOW max_connections", check);
            Assert.Equal("100", (string?)await show.ExecuteScalarAsync());
        }
        var ports = new[] { NodeProcess.Ports.Free(), NodeProcess.Ports.Free(), NodeProcess.Ports.Free() };
        var nodes = new List<NodeProcess>();
        try
        {
            foreach (var p in ports)
                nodes.Add(await NodeProcess.StartAsync(postgres.ConnectionString, p)); // one at a time: the first applies the migrations
            var token = TwoNodes.AdminToken();
            using var admin = TwoNodes.Http(ports[0], token);
            var project = (await Fleet.RegisterDeviceAsync(admin)).ProjectId;
            var devices = new List<RegisteredDevice>();
            for (var d = 0; d < 24; d++)
                devices.Add(await Fleet.RegisterDeviceAsync(admin, project, $"gw-{d:00}"));

            // Every device on one of the nodes, four tables each, all publishing at once.
            await Task.WhenAll(devices.Select(async (device, d) =>
            {
                var node = ports[d % ports.Length];
                await using var mqtt = await TestDevice.ConnectAsync(node.Mqtt, device.Username, device.Username, device.Secret, device.TopicRoot);
                for (var t = 0; t < 4; t++)
                {
                    var table = new BatchPayloads($"t{t}");
                    for (var b = 0; b < 3; b++)
                        Assert.Equal(MqttClientPublishReasonCode.Success,
                            (await mqtt.PublishAsync("sync/rows/batch", table.BatchJson(BatchPayloads.Inserts(1 + b * 50, 50), withColumns: b == 0))).ReasonCode);
                }
            }));

            var lineages = await admin.GetJsonAsync($"{Api}/{project}/edge/lineages?limit=200");
            var staged = lineages.GetProperty("data").EnumerateArray().Select(l => l.GetProperty("staged_row_count").GetInt64()).ToList();
            Assert.Equal(Enumerable.Repeat(150L, 96), staged);
        }
        finally
        {
            foreach (var node in nodes)
                await node.DisposeAsync();
        }
    }
}
