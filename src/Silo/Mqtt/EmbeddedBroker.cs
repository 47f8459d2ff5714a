using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using EdgeSync.Escaping;
using EdgeSync.Lineages;
using EdgeSync.Silo.Hosting;
using EdgeSync.Silo.Mqtt.Transport;
using EdgeSync.Silo.Observability;
using EdgeSync.Wire;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeSync.Silo.Mqtt;

/// <summary>
/// The default MQTT broker, inside the node: authenticates devices, enforces the topic ACL and
/// hands uplinks to the <see cref="IngestGateway"/> before it acknowledges them.
/// </summary>
public sealed class EmbeddedBroker(
    IOptions<MqttOptions> options,
    DeviceDirectory directory,
    IngestGateway gateway,
    IngestMetrics metrics,
    ConnectedDevices connected,
    TimeProvider clock,
    ILocalSiloDetails silo,
    ILogger<EmbeddedBroker> logger) : IHostedService, IAsyncDisposable
{
    private MqttServer? _server;

    // Which secret (by its hash) each device proved when its current connection was accepted. Kept
    // here rather than in the session items: a resumed persistent session keeps its old items.
    private readonly ConcurrentDictionary<Guid, string> _provenSecrets = new();

    // Identities proven by CONNECTs whose session is being set up, by client id.
    private readonly ConcurrentDictionary<string, DeviceSession> _authenticated = new();

    private readonly ConnectThrottle _throttle = new(options.Value.RefusedConnectsPerSecond);

    public async Task StartAsync(CancellationToken ct)
    {
        var factory = new MqttServerFactory();
        var serverOptions = factory.CreateServerOptionsBuilder()
            .WithPersistentSessions()
            .Build();
        var endpoint = new IPEndPoint(IPAddress.Parse(options.Value.BindAddress), options.Value.Port);
        var listener = new LimitedTcpServerAdapter(endpoint, options.Value.MaxPacketBytes, RefusePacket, logger);
        _server = factory.CreateMqttServer(serverOptions, [listener], new MqttNetNullLogger());
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingSubscriptionAsync += AuthorizeSubscriptionAsync;
        _server.InterceptingPublishAsync += HandlePublishAsync;
        _server.ClientConnectedAsync += OnConnectedAsync;
        _server.ClientDisconnectedAsync += OnDisconnectedAsync;
        _server.ClientSubscribedTopicAsync += e =>
        {
            if (DeviceSession.From(e.SessionItems) is { } device && e.TopicFilter.Topic == DeviceTopics.ControlTopic(device.TopicRoot))
                connected.Subscribed(device);
            return Task.CompletedTask;
        };
        await _server.StartAsync();
        logger.LogInformation("Embedded MQTT broker listening on {Address}:{Port}", options.Value.BindAddress, options.Value.Port);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_server is null)
            return;
        try
        {
            await _server.StopAsync();
        }
        catch (InvalidOperationException e)
        {
            // MQTTnet 5.2 can race while closing its listener ("Collection was modified"); the
            // sockets are closed either way.
            logger.LogDebug(e, "MQTT broker stop raced");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _server?.Dispose();
        _throttle.Dispose();
    }

    private async Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        if (!_throttle.Allows(e.RemoteEndPoint, e.UserName))
        {
            metrics.RecordRefusedConnection("throttled");
            e.ReasonCode = MqttConnectReasonCode.ConnectionRateExceeded;
            return;
        }
        var device = await directory.AuthenticateAsync(e.UserName, e.Password, e.CancellationToken);
        if (device is null)
        {
            Refuse(e, MqttConnectReasonCode.BadUserNameOrPassword, "bad_credentials");
            return;
        }
        // Sessions, takeover and queued downlinks are keyed by client id: only the username, which is
        // unique across projects, keeps them from crossing tenants.
        if (e.ClientId != e.UserName)
        {
            Refuse(e, MqttConnectReasonCode.ClientIdentifierNotValid, "client_id_not_username");
            return;
        }
        _authenticated[e.ClientId] = new DeviceSession(new DeviceIdentity(device.ProjectId, device.Id, device.Name), device.TopicRoot);
        _provenSecrets[device.Id] = device.SecretHash;
    }

    private void Refuse(ValidatingConnectionEventArgs e, MqttConnectReasonCode code, string why)
    {
        _throttle.Refused(e.RemoteEndPoint, e.UserName);
        metrics.RecordRefusedConnection(why);
        logger.LogWarning("Refused MQTT connection from {Remote} as {User}: {Why}", e.RemoteEndPoint, Quoted(e.UserName), why);
        e.ReasonCode = code;
    }

    /// <summary>
    /// A resumed persistent session keeps the items of the connection that created it, which may
    /// speak for a device since deleted and registered again under the same name: the identity is
    /// always the one this connection proved.
    /// </summary>
    private Task OnConnectedAsync(ClientConnectedEventArgs e)
    {
        if (!_authenticated.TryRemove(e.ClientId, out var device))
            return Task.CompletedTask;
        device.AttachTo(e.SessionItems);
        metrics.DeviceConnected();
        return MarkAsync(device, isConnected: true);
    }

    private Task OnDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        if (DeviceSession.From(e.SessionItems) is not { } device)
            return Task.CompletedTask;
        // The connection is gone either way, and the taking-over one was counted when it connected.
        metrics.DeviceDisconnected();
        // A takeover hands the session to the device's new connection, which is connected.
        if (e.DisconnectType == MqttClientDisconnectType.Takeover)
            return Task.CompletedTask;
        connected.Disconnected(device);
        return MarkAsync(device, isConnected: false);
    }

    /// <summary>What a client sent, for a log line: escaped and cut (a username or topic may be 64 KiB of anything).</summary>
    private static string Quoted(string? text) => SafeText.EscapeAndCut(text ?? "", 200);

    private void RefusePacket(EndPoint? remote, long packetBytes)
    {
        metrics.RecordRefusedConnection("packet_too_large");
        logger.LogWarning("Closed the MQTT connection from {Remote}: a packet of {Bytes} bytes is over the limit of {Limit}",
            remote, packetBytes, options.Value.MaxPacketBytes);
    }

    private Task AuthorizeSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        var device = DeviceSession.From(e.SessionItems);
        if (device is null || e.TopicFilter.Topic != DeviceTopics.ControlTopic(device.TopicRoot))
        {
            logger.LogWarning("Refused subscription of {ClientId} to {Topic}", Quoted(e.ClientId), Quoted(e.TopicFilter.Topic));
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            e.ProcessSubscription = false;
        }
        return Task.CompletedTask;
    }

    private async Task HandlePublishAsync(InterceptingPublishEventArgs e)
    {
        var receivedAt = Stopwatch.GetTimestamp();
        var device = DeviceSession.From(e.SessionItems);
        if (device is null)
            return; // published by the node itself (downlinks)

        // Uplinks are consumed here, never routed to other subscribers.
        e.ProcessPublish = false;
        var topic = e.ApplicationMessage.Topic;
        var uplink = DeviceTopics.UplinkOf(device.TopicRoot, topic);
        if (uplink is null)
        {
            logger.LogWarning("Refused publish of {ClientId} to {Topic}", Quoted(e.ClientId), Quoted(topic));
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return;
        }

        using var receive = UplinkSpans.Receive(uplink, device, UplinkSpans.TraceParentOf(e.ApplicationMessage.UserProperties));
        try
        {
            var verdict = await gateway.HandleAsync(device, topic, uplink, e.ApplicationMessage.Payload.ToArray());
            if (options.Value.CrashBeforeAcknowledging)
                Process.GetCurrentProcess().Kill();
            // MQTTnet sends the PUBACK with this reason code as soon as this handler returns.
            using (UplinkSpans.Acknowledge(verdict))
            {
                e.Response.ReasonCode = verdict switch
                {
                    UplinkVerdict.RejectedFormat => MqttPubAckReasonCode.PayloadFormatInvalid,
                    UplinkVerdict.RejectedQuota => MqttPubAckReasonCode.QuotaExceeded,
                    _ => MqttPubAckReasonCode.Success,
                };
            }
            metrics.RecordAcknowledged(uplink, UplinkSpans.ResultOf(verdict), receivedAt);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !e.CancellationToken.IsCancellationRequested)
        {
            // Not durable: no PUBACK. Dropping the connection makes the device deliver again.
            logger.LogError(ex, "Could not make {Topic} from {ClientId} durable; withholding the acknowledgement", topic, e.ClientId);
            metrics.RecordNotDurable(uplink);
            UplinkSpans.NotDurable(receive, ex);
            e.CloseConnection = true;
        }
    }

    /// <summary>The devices with a live connection to this node, with the secret hash each one proved.</summary>
    public async Task<IReadOnlyList<(DeviceSession Device, string SecretHash)>> ConnectedDevicesAsync()
    {
        var clients = await _server!.GetClientsAsync();
        return clients.Select(c => DeviceSession.From(c.Session.Items))
            .OfType<DeviceSession>()
            .Select(d => (d, _provenSecrets.GetValueOrDefault(d.Identity.DeviceId, "")))
            .ToList();
    }

    /// <summary>Ends a device's connection (MQTT 5 devices receive the reason code and string).</summary>
    public Task DisconnectAsync(DeviceSession device, MqttDisconnectReasonCode reason, string why) =>
        _server!.DisconnectClientAsync(device.ClientId, new MqttServerClientDisconnectOptions { ReasonCode = reason, ReasonString = why });

    /// <summary>Publishes a downlink control at QoS 1 on the control topic of the device with this root.</summary>
    public async Task PublishControlAsync(string topicRoot, string payloadJson, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.ControlTopic(topicRoot))
            .WithPayload(payloadJson)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = NodeClientId }, ct);
    }

    /// <summary>The sender of downlinks; no device can use it (a device's client id is its username, which cannot start with '$').</summary>
    private const string NodeClientId = "$edgesync-node";

    private async Task MarkAsync(DeviceSession device, bool isConnected)
    {
        try
        {
            await directory.MarkConnectionAsync(device.Identity.DeviceId, isConnected, silo.SiloAddress.ToParsableString(), clock.GetUtcNow());
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            logger.LogWarning(e, "Could not record the connection state of {Device}", device.ClientId);
        }
    }

}
