using System.Buffers;
using System.Diagnostics;
using System.Text;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeSync.Tests.Agent;

/// <summary>
/// A Mosquitto broker as a child process on a free loopback port (anonymous access, 127.0.0.1
/// only), with a wildcard subscriber recording every message. Needs the Debian package
/// <c>mosquitto</c> (scripts/test.sh installs it).
/// </summary>
public sealed class Mosquitto : IAsyncDisposable
{
    private readonly MosquittoProcess _process;
    private readonly IMqttClient _observer;
    private readonly List<MqttApplicationMessage> _messages = [];

    public int Port => _process.Port;

    private Mosquitto(MosquittoProcess process, IMqttClient observer)
    {
        _process = process;
        _observer = observer;
        _observer.ApplicationMessageReceivedAsync += e =>
        {
            lock (_messages) _messages.Add(e.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    /// <param name="extraListeners">More mosquitto.conf lines (e.g. a TLS listener); the plain listener on <see cref="Port"/> is always there.</param>
    public static async Task<Mosquitto> StartAsync(string extraListeners = "")
    {
        var (directory, port) = MosquittoProcess.Prepare("edgesync-mosquitto-");
        // "user root": when the tests run as root, Mosquitto would otherwise switch to its own user, which cannot read the temporary folder.
        var process = await MosquittoProcess.StartAsync(directory, port,
            $"user root\nper_listener_settings false\nallow_anonymous true\npersistence false\nlog_dest stderr\nlistener {port} 127.0.0.1\n{extraListeners}");
        var observer = new MqttClientFactory().CreateMqttClient();
        var broker = new Mosquitto(process, observer);
        await observer.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("test-observer")
            .WithProtocolVersion(MqttProtocolVersion.V500).Build());
        await observer.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic("#").WithAtLeastOnceQoS()).Build());
        return broker;
    }

    /// <summary>Payloads received on <paramref name="topic"/> so far.</summary>
    public List<byte[]> Messages(string topic)
    {
        lock (_messages)
            return _messages.Where(m => m.Topic == topic).Select(m => m.Payload.ToArray()).ToList();
    }

    public Task<List<byte[]>> WaitForAsync(string topic, int count = 1, TimeSpan? timeout = null) =>
        Eventually.GetAsync(() => Task.FromResult(Messages(topic)), m => m.Count >= count, timeout ?? TimeSpan.FromSeconds(15), $"{count} message(s) on {topic}");

    /// <summary>Publishes with the mosquitto_pub command-line client at QoS 1, as an operator's script would.</summary>
    public async Task PublishWithCliAsync(string topic, string payload)
    {
        using var process = Process.Start(new ProcessStartInfo("mosquitto_pub", ["-h", "127.0.0.1", "-p", Port.ToString(), "-q", "1", "-t", topic, "-m", payload])
        {
            RedirectStandardError = true,
        })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"mosquitto_pub failed: {error}");
    }

    public static string Text(byte[] payload) => Encoding.UTF8.GetString(payload);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _observer.DisconnectAsync();
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
        }
        _observer.Dispose();
        await _process.DisposeAsync();
    }
}
