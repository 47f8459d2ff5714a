using EdgeSync.Wire;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeSync.Bench;

/// <summary>
/// <c>EdgeSync.Bench oversized</c>: the node's resident memory across publishes far over the
/// packet limit. A device publishes 20 packets of 10 MB (each one closes its connection; it
/// reconnects) and, as the baseline of the same run, 20 batches of 600 KiB that the node reads and
/// refuses as <c>payload_too_large</c>. Passes when RSS after the oversized publishes stays within
/// 64 MiB of before.
/// </summary>
public static class OversizedSoak
{
    private const int Publishes = 20;
    private const int OversizedBytes = 10_000_000;
    private const int TooLargeBatchBytes = 600 * 1024;
    private const long AllowedGrowth = 64L * 1024 * 1024;

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public static async Task<int> RunAsync(string pg, CancellationToken ct)
    {
        await using var bench = await ThrowawayNode.StartAsync(pg, ct);
        var (node, api) = (bench.Node, bench.Api);
        var project = await api.CreateProjectAsync($"soak-{Guid.NewGuid():N}"[..14]);
        var device = await api.CreateDeviceAsync(project, "gw-soak");

        // Settle: one ordinary connection and a few collections' worth of idle time.
        await PublishAsync(node.MqttPort, device, new byte[16], ct);
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var before = bench.Rss();

        var baselineRefused = 0;
        for (var i = 0; i < Publishes; i++)
            baselineRefused += await PublishAsync(node.MqttPort, device, new byte[TooLargeBatchBytes], ct) == "QuotaExceeded" ? 1 : 0;
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var afterBaseline = bench.Rss();

        var closed = 0;
        for (var i = 0; i < Publishes; i++)
            closed += await PublishAsync(node.MqttPort, device, new byte[OversizedBytes], ct) == "closed" ? 1 : 0;
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var after = bench.Rss();

        var growth = after - afterBaseline;
        Console.WriteLine($"node RSS before: {Mib(before)}");
        Console.WriteLine($"after {Publishes} batches of {TooLargeBatchBytes / 1024} KiB (baseline; {baselineRefused} refused as payload_too_large): {Mib(afterBaseline)} ({Mib(afterBaseline - before)} more)");
        Console.WriteLine($"after {Publishes} packets of {OversizedBytes / 1_000_000} MB ({closed} connections closed): {Mib(after)} ({Mib(growth)} more than after the baseline)");
        Console.WriteLine($"bytes sent in oversized packets: {Mib((long)Publishes * OversizedBytes)}; RSS growth / bytes sent = {growth / (double)((long)Publishes * OversizedBytes):0.000}");
        var ok = closed == Publishes && after - before <= AllowedGrowth;
        Console.WriteLine(ok ? $"PASS: within {Mib(AllowedGrowth)} of before" : $"FAIL: limit {Mib(AllowedGrowth)}, every oversized packet must close its connection");
        return ok ? 0 : 1;
    }

    /// <summary>Connects, publishes one packet at QoS 1 and says how it ended: the PUBACK reason, or "closed".</summary>
    private static async Task<string> PublishAsync(int port, DeviceCredentials device, byte[] payload, CancellationToken ct)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(device.Username)
            .WithCredentials(device.Username, device.Secret)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build(), ct);
        try
        {
            var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(DeviceTopics.Under(device.TopicRoot, DeviceTopics.RowBatch))
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), ct);
            await client.DisconnectAsync(cancellationToken: ct);
            return result.ReasonCode.ToString();
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException)
        {
            return "closed";
        }
    }


    private static string Mib(long bytes) => $"{bytes / 1048576.0:0.0} MiB";
}
