using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeSync.Tests.Agent;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// Mosquitto 2 as an external broker is deployed: a child process on a free loopback port, no
/// anonymous access, the dynamic security plugin, an administrator account made by
/// <c>mosquitto_ctrl dynsec init</c> (the tests use it as an operator would, to look at and change
/// the broker's accounts) and the node's account, which administers dynamic security and may
/// publish controls (what scripts/mosquitto.sh makes). Like <see cref="Mosquitto"/>, it needs the
/// Debian package <c>mosquitto</c> (scripts/test.sh installs it).
/// </summary>
public sealed class SecuredMosquitto : IAsyncDisposable
{
    public const string Plugin = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";
    private const string ControlTopic = "$CONTROL/dynamic-security/v1";

    private readonly MosquittoProcess _process;
    private readonly IMqttClient _admin;
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> _waiting = [];

    public int Port => _process.Port;
    public string NodeUsername { get; } = "edgesync-node";
    public string NodePassword { get; } = Guid.NewGuid().ToString("N");

    private SecuredMosquitto(MosquittoProcess process)
    {
        _process = process;
        _admin = new MqttClientFactory().CreateMqttClient();
        _admin.ApplicationMessageReceivedAsync += e =>
        {
            using var answer = JsonDocument.Parse(e.ApplicationMessage.Payload.ToArray());
            var first = answer.RootElement.GetProperty("responses")[0];
            if (first.TryGetProperty("correlationData", out var id))
                lock (_waiting)
                    if (_waiting.Remove(id.GetString()!, out var waiting))
                        waiting.TrySetResult(first.Clone());
            return Task.CompletedTask;
        };
    }

    /// <summary>What the broker logged so far.</summary>
    public string Log => _process.Log;

    public static async Task<SecuredMosquitto> StartAsync()
    {
        var (directory, port) = MosquittoProcess.Prepare("edgesync-dynsec-");
        var dynsec = Path.Combine(directory, "dynsec.json");
        var adminPassword = Guid.NewGuid().ToString("N");
        await RunAsync("mosquitto_ctrl", ["dynsec", "init", dynsec, "admin", adminPassword]);
        // "user root": when the tests run as root, Mosquitto would otherwise switch to its own user, which cannot read the temporary folder.
        var broker = new SecuredMosquitto(await MosquittoProcess.StartAsync(directory, port, $"""
            user root
            per_listener_settings false
            allow_anonymous false
            persistence false
            log_dest stderr
            log_type all
            listener {port} 127.0.0.1
            plugin {Plugin}
            plugin_opt_config_file {dynsec}

            """));
        try
        {
            await broker.SetUpAsync(adminPassword);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync(string adminPassword)
    {
        await _admin.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", Port).WithClientId("test-operator")
            .WithCredentials("admin", adminPassword).WithProtocolVersion(MqttProtocolVersion.V500).Build());
        await _admin.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"{ControlTopic}/response").Build());
        // The node's own account: the admin role (dynamic security, shared subscriptions) and the control topics, which
        // that role does not allow. Made apart from the administrator, since changing a connected client's roles disconnects it.
        foreach (var command in new[]
                 {
                     new JsonObject
                     {
                         ["command"] = "createRole", ["rolename"] = "edgesync-node",
                         ["acls"] = new JsonArray(new JsonObject { ["acltype"] = "publishClientSend", ["topic"] = "+/+/sync/ingest/control", ["allow"] = true }),
                     },
                     new JsonObject
                     {
                         ["command"] = "createClient", ["username"] = NodeUsername, ["password"] = NodePassword,
                         ["roles"] = new JsonArray(new JsonObject { ["rolename"] = "admin" }, new JsonObject { ["rolename"] = "edgesync-node" }),
                     },
                 })
        {
            var answer = await CommandAsync(command);
            if (answer.TryGetProperty("error", out var error))
                throw new InvalidOperationException($"{command["command"]} failed: {error}");
        }
    }

    /// <summary>The settings that put a node in external mode against this broker.</summary>
    public Dictionary<string, string?> NodeSettings(string nodeName) => new()
    {
        ["Mqtt:Mode"] = "external",
        ["Mqtt:External:Url"] = $"mqtt://127.0.0.1:{Port}",
        ["Mqtt:External:Username"] = NodeUsername,
        ["Mqtt:External:Password"] = NodePassword,
        ["Mqtt:External:ReconnectDelayMax"] = "00:00:01",
        ["Node:Name"] = nodeName,
    };

    /// <summary>Waits until the client holds the shared subscription to the last of the five uplinks (the node subscribes to them in one go).</summary>
    public Task WaitForUplinkSubscriberAsync(string clientId) =>
        Eventually.GetAsync(() => Task.FromResult(Log.Contains($"{clientId} 1 $share/edgesync/+/+/sync/ingest/request", StringComparison.Ordinal)),
            subscribed => subscribed, TimeSpan.FromSeconds(30), $"{clientId} to subscribe to the uplinks");

    /// <summary>Message ids of the deliveries of <paramref name="topic"/> to the client, in order, with their DUP flag (from the broker's debug log).</summary>
    public List<(int Mid, bool Duplicate)> Deliveries(string clientId, string topic) =>
        Regex.Matches(Log, $@"Sending PUBLISH to {Regex.Escape(clientId)} \(d([01]), q1, r0, m(\d+), '{Regex.Escape(topic)}'")
            .Select(m => (int.Parse(m.Groups[2].Value), m.Groups[1].Value == "1")).ToList();

    /// <summary>Whether the client sent a PUBACK for the last delivery of <paramref name="topic"/> to it.</summary>
    public bool Acknowledged(string clientId, string topic)
    {
        var log = Log;
        var delivery = Regex.Matches(log, $@"Sending PUBLISH to {Regex.Escape(clientId)} \(d[01], q1, r0, m(\d+), '{Regex.Escape(topic)}'").LastOrDefault();
        return delivery is not null
            && log.IndexOf($"Received PUBACK from {clientId} (Mid: {delivery.Groups[1].Value},", delivery.Index, StringComparison.Ordinal) > 0;
    }

    /// <summary>Runs one dynamic security command as the operator and returns its answer (with <c>error</c> when it failed).</summary>
    public async Task<JsonElement> CommandAsync(JsonObject command)
    {
        var id = Guid.NewGuid().ToString("N");
        command["correlationData"] = id;
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiting)
            _waiting[id] = answer;
        await _admin.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(ControlTopic)
            .WithPayload(new JsonObject { ["commands"] = new JsonArray(command) }.ToJsonString())
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return await answer.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>The broker's client of this username, or null.</summary>
    public async Task<JsonElement?> ClientAsync(string username)
    {
        var answer = await CommandAsync(new JsonObject { ["command"] = "getClient", ["username"] = username });
        return answer.TryGetProperty("error", out _) ? null : answer.GetProperty("data").GetProperty("client");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _admin.DisconnectAsync();
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
        }
        _admin.Dispose();
        await _process.DisposeAsync();
    }

    private static async Task RunAsync(string file, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
    }
}
