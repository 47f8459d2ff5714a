using System.Buffers;
using System.Diagnostics;
using EdgeSync.Escaping;
using EdgeSync.Lineages;
using EdgeSync.Silo.Hosting;
using EdgeSync.Silo.Observability;
using EdgeSync.Wire;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>
/// The node as a client of an external broker (<c>Mqtt:Mode = external</c>): a persistent session
/// with shared subscriptions to the five uplinks of every device, so that the broker spreads them
/// over the nodes. Each uplink goes to the same <see cref="IngestGateway"/> as with the embedded
/// broker, and the broker gets its PUBACK only after the gateway returned, that is, once the
/// uplink is durable or its rejection recorded. Uplinks are handled concurrently, at most
/// <see cref="ExternalBrokerOptions.MaxInFlight"/> at once (the session's receive maximum).
/// </summary>
public sealed class ExternalBroker : BackgroundService
{
    private readonly ExternalBrokerOptions _options;
    private readonly IOptions<MqttOptions> _mqtt;
    private readonly TopicDevices _devices;
    private readonly IngestGateway _gateway;
    private readonly UplinkPresence _presence;
    private readonly IngestMetrics _metrics;
    private readonly ILogger<ExternalBroker> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly BrokerConnection _connection;
    private readonly SemaphoreSlim _slots;
    private int _inFlight;
    private int _redeliveryDue;
    private volatile bool _taking = true;

    public ExternalBroker(
        IOptions<ExternalBrokerOptions> options, IOptions<MqttOptions> mqtt, NodeClientIds clientIds, TopicDevices devices, IngestGateway gateway,
        UplinkPresence presence, IngestMetrics metrics, IHostApplicationLifetime lifetime, ILogger<ExternalBroker> logger)
    {
        _options = options.Value;
        _mqtt = mqtt;
        _devices = devices;
        _gateway = gateway;
        _presence = presence;
        _metrics = metrics;
        _logger = logger;
        _lifetime = lifetime;
        _slots = new SemaphoreSlim(_options.MaxInFlight);
        var clientOptions = BrokerClientOptions.For(_options, clientIds.Uplinks)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)_options.MaxInFlight)
            .Build();
        _connection = new BrokerConnection("uplink", _options.Url, clientOptions, _options.ReconnectDelayMax, logger, SubscribeAsync);
        _connection.Client.ApplicationMessageReceivedAsync += TakeAsync;
    }

    /// <summary>The shared subscription of one uplink: every device's, in the node group.</summary>
    public static string SharedFilter(string group, string uplink) => $"$share/{group}/+/+/{uplink}";

    /// <summary>Publishes a downlink control at QoS 1; the broker queues it in the device's session while the device is away.</summary>
    public async Task PublishControlAsync(string topicRoot, string payloadJson, CancellationToken ct)
    {
        if (!_connection.IsReady)
            throw new MQTTnet.Exceptions.MqttCommunicationException("not connected to the external MQTT broker");
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.ControlTopic(topicRoot))
            .WithPayload(payloadJson)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await _connection.Client.PublishAsync(message, ct);
        if (!result.IsSuccess)
            throw new InvalidOperationException(
                $"The broker refused the control for {topicRoot}: {result.ReasonCode}; the node's account must be allowed to publish on every control topic");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // No new uplinks once the node begins to stop: the silo stops before this service does.
        using var stopping = _lifetime.ApplicationStopping.Register(() => _taking = false);
        // Not before the silo is up: a resumed session hands over at once every uplink it holds.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stoppingToken);
        await _connection.RunAsync(stoppingToken);
    }

    /// <summary>Stops taking uplinks, finishes and acknowledges those in flight, then leaves with the session kept.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _taking = false;
        await base.StopAsync(cancellationToken);
        while (Volatile.Read(ref _inFlight) > 0 && !cancellationToken.IsCancellationRequested)
            await Task.Delay(50, CancellationToken.None);
        await _connection.CloseAsync();
    }

    public override void Dispose()
    {
        _connection.Dispose();
        _slots.Dispose();
        base.Dispose();
    }

    private async Task SubscribeAsync(IMqttClient client, CancellationToken ct)
    {
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var uplink in DeviceTopics.Uplinks)
            subscribe.WithTopicFilter(f => f.WithTopic(SharedFilter(_options.Group, uplink)).WithAtLeastOnceQoS());
        var result = await client.SubscribeAsync(subscribe.Build(), ct);
        var refused = result.Items.Where(i => i.ResultCode != MqttClientSubscribeResultCode.GrantedQoS1).ToList();
        if (refused.Count > 0)
            throw new InvalidOperationException("The broker refused the shared subscriptions " +
                string.Join(", ", refused.Select(i => $"{i.TopicFilter.Topic} ({i.ResultCode})")) + "; the node's account must be allowed to subscribe to them");
    }

    /// <summary>
    /// MQTTnet hands messages over one at a time: each is copied and handled on its own task, so that
    /// one slow device does not hold up the others. A message not taken (the node is stopping, or
    /// reconnecting to have one delivered again) stays unacknowledged in the session.
    /// </summary>
    private async Task TakeAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        e.AutoAcknowledge = false;
        if (!_taking || Volatile.Read(ref _redeliveryDue) != 0)
            return;
        // Never long: the receive maximum holds the broker to as many unacknowledged messages as there are slots.
        await _slots.WaitAsync();
        Interlocked.Increment(ref _inFlight);
        var generation = _connection.Generation;
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload.ToArray();
        var receivedAt = Stopwatch.GetTimestamp();
        _ = Task.Run(() => HandleAsync(e, generation, topic, payload, receivedAt));
    }

    private async Task HandleAsync(MqttApplicationMessageReceivedEventArgs e, int generation, string topic, byte[] payload, long receivedAt)
    {
        var split = DeviceTopics.SplitUplink(topic);
        var uplink = split?.Uplink ?? "none";
        Activity? receive = null;
        try
        {
            var device = split is { } root ? await _devices.FindAsync(root.Root, CancellationToken.None) : null;
            if (device is null)
            {
                // Nothing to record it against: no project can see it, so it is counted and let go.
                _logger.LogWarning("An uplink on {Topic} is from no registered device; acknowledged and dropped", Quoted(topic));
                _metrics.RecordUnknownUplink(uplink);
                await AcknowledgeAsync(e, generation, topic);
                return;
            }
            var session = new DeviceSession(new DeviceIdentity(device.ProjectId, device.Id, device.Name), device.TopicRoot);
            receive = UplinkSpans.Receive(uplink, session, UplinkSpans.TraceParentOf(e.ApplicationMessage.UserProperties));
            var verdict = await _gateway.HandleAsync(session, topic, uplink, payload);
            if (_mqtt.Value.CrashBeforeAcknowledging)
                Process.GetCurrentProcess().Kill();
            using (UplinkSpans.Acknowledge(verdict))
                await AcknowledgeAsync(e, generation, topic);
            _metrics.RecordAcknowledged(uplink, UplinkSpans.ResultOf(verdict), receivedAt);
            await _presence.SeenAsync(device.Id, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Not durable: no PUBACK. A broker hands an unacknowledged message out again only when the
            // session resumes, so the node reconnects once the uplinks in flight are done.
            _logger.LogError(ex, "Could not make {Topic} durable; withholding the acknowledgement and reconnecting to have it delivered again", Quoted(topic));
            _metrics.RecordNotDurable(uplink);
            UplinkSpans.NotDurable(receive, ex);
            Interlocked.Exchange(ref _redeliveryDue, 1);
        }
        finally
        {
            receive?.Dispose();
            _slots.Release();
            if (Interlocked.Decrement(ref _inFlight) == 0 && Interlocked.Exchange(ref _redeliveryDue, 0) != 0)
                _connection.Reconnect();
        }
    }

    /// <summary>
    /// On the connection the message came on only: after a reconnect the broker delivers it again
    /// (a duplicate the ledger recognises), and its packet id belongs to the new delivery.
    /// </summary>
    private async Task AcknowledgeAsync(MqttApplicationMessageReceivedEventArgs e, int generation, string topic)
    {
        if (generation != _connection.Generation)
        {
            _logger.LogDebug("Not acknowledging {Topic}: it came on an earlier connection and will be delivered again", Quoted(topic));
            return;
        }
        try
        {
            await e.AcknowledgeAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or ObjectDisposedException or InvalidOperationException)
        {
            _logger.LogInformation("The acknowledgement of {Topic} was lost with the connection; the broker delivers it again: {Error}", Quoted(topic), ex.Message);
        }
    }

    /// <summary>A topic as sent, for a log line: escaped and cut.</summary>
    private static string Quoted(string text) => SafeText.EscapeAndCut(text, 200);
}
