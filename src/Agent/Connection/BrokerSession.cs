using EdgeSync.Agent.Config;
using EdgeSync.Wire;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeSync.Agent.Connection;

/// <summary>
/// The MQTT connection: a persistent session (clean session off, session expiry one day on MQTT
/// 5), keep-alive 30 s, the control topic subscribed at QoS 1 right after every connect, and
/// reconnection with exponential backoff (capped at 30 s) after any failure — an unreachable
/// broker, refused credentials (logged as errors: the secret may be rotated, so it keeps trying)
/// or a dropped connection.
/// </summary>
public sealed class BrokerSession : IAsyncDisposable
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(30);
    private const uint SessionExpirySeconds = 24 * 60 * 60;

    private readonly AgentConfig _config;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _options;
    private TaskCompletionSource _disconnected = NewSignal();
    private volatile bool _ready;
    private volatile bool _stopping;

    /// <param name="onMessage">Called for every received message, before the broker gets its PUBACK; keep it short (no publishing from it).</param>
    public BrokerSession(AgentConfig config, ILogger logger, Func<MqttApplicationMessage, Task> onMessage)
    {
        _config = config;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += e => onMessage(e.ApplicationMessage);
        _client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                _ready = false;
                _disconnected.TrySetResult();
                _logger.Log(_stopping ? LogLevel.Information : LogLevel.Warning, "Disconnected from the broker {Broker}: {Reason}{Detail}", _config.Broker, e.Reason,
                    e.ReasonString is { Length: > 0 } reason ? $" ({reason})" : e.Exception is { } ex ? $" ({ex.Message})" : "");
            }
            return Task.CompletedTask;
        };
        _options = BuildOptions(config);
    }

    /// <summary>Connected, and the control topic is subscribed.</summary>
    public bool IsConnected => _ready && _client.IsConnected;

    /// <summary>Raised after every successful connect and subscribe.</summary>
    public event Action? Connected;

    public string ControlTopic => _config.Topic(DeviceTopics.Control);

    /// <summary>Connects, and reconnects with backoff, until <paramref name="ct"/> is cancelled; then disconnects cleanly.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), _config.ReconnectMaxDelay);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (await TryConnectAsync(ct))
                {
                    backoff.Reset();
                    Connected?.Invoke();
                    await _disconnected.Task.WaitAsync(ct);
                }
                var delay = backoff.Next();
                _logger.LogInformation("Reconnecting to {Broker} in {Delay:0.0} s", _config.Broker, delay.TotalSeconds);
                await Task.Delay(delay, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _ready = false;
            _stopping = true;
            if (_client.IsConnected)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
                }
                catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
                {
                }
            }
        }
    }

    /// <summary>Publishes at QoS 1 and waits for the PUBACK.</summary>
    /// <exception cref="MQTTnet.Exceptions.MqttCommunicationException">Not connected, or the connection failed before the PUBACK.</exception>
    public Task<MqttClientPublishResult> PublishAsync(string relativeTopic, byte[] payload, CancellationToken ct)
    {
        if (!IsConnected)
            throw new MQTTnet.Exceptions.MqttCommunicationException("not connected to the broker");
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(_config.Topic(relativeTopic))
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return _client.PublishAsync(message, ct);
    }

    private async Task<bool> TryConnectAsync(CancellationToken ct)
    {
        _disconnected = NewSignal();
        MqttClientConnectResult result;
        try
        {
            result = await _client.ConnectAsync(_options, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (IsCredentialsProblem(e.Message))
        {
            LogRefusedCredentials(e.Message);
            return false;
        }
        catch (Exception e)
        {
            var hint = Describe(e).Contains("certificate", StringComparison.OrdinalIgnoreCase)
                ? _config.CaFile is null
                    ? " (TLS: the broker's certificate is not trusted by the system store or does not match the host; set ca_file to the CA that signed it)"
                    : $" (TLS: the broker's certificate is not signed by a CA in {_config.CaFile} or does not match the host)"
                : "";
            _logger.LogWarning("Cannot connect to the broker {Broker}: {Error}{Hint}", _config.Broker, Describe(e), hint);
            return false;
        }
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            if (result.ResultCode is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized)
                LogRefusedCredentials(result.ResultCode + (result.ReasonString is { Length: > 0 } r ? $": {r}" : ""));
            else
                _logger.LogError("The broker {Broker} refused the connection of {ClientId}: {Code}{Reason}", _config.Broker, _config.ClientId,
                    result.ResultCode, result.ReasonString is { Length: > 0 } reason ? $" ({reason})" : "");
            return false;
        }

        try
        {
            var subscribe = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(ControlTopic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                .Build(), ct);
            var code = subscribe.Items.Single().ResultCode;
            if (code is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS2))
            {
                _logger.LogError("The broker refused the subscription to {Topic}: {Code}. Check root_topic (it must be the device's topic root); controls (pause/resume) cannot arrive",
                    ControlTopic, code);
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), ct);
                return false;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogWarning("Subscribing to {Topic} failed: {Error}", ControlTopic, Describe(e));
            return false;
        }

        _ready = true;
        _logger.LogInformation("Connected to {Broker} as {ClientId} (MQTT {Protocol}, session {Session}); listening on {Topic}", _config.Broker,
            _config.ClientId, _config.Protocol == MqttProtocol.V5 ? "5" : "3.1.1", result.IsSessionPresent ? "resumed" : "new", ControlTopic);
        return true;
    }

    private void LogRefusedCredentials(string detail) =>
        _logger.LogError("The broker {Broker} refused the credentials of user '{User}' ({Detail}). Check username and password/password_env; " +
                         "retrying with backoff in case the secret is being rotated", _config.Broker, _config.Username, detail);

    private static bool IsCredentialsProblem(string message) =>
        message.Contains("BadUserNameOrPassword", StringComparison.Ordinal) || message.Contains("NotAuthorized", StringComparison.Ordinal);

    private static string Describe(Exception e) =>
        e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;

    private static MqttClientOptions BuildOptions(AgentConfig config)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(config.Broker.Host, config.Broker.Port)
            .WithClientId(config.ClientId)
            .WithProtocolVersion(config.Protocol == MqttProtocol.V5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithCleanSession(false)
            .WithKeepAlivePeriod(KeepAlive)
            .WithTimeout(TimeSpan.FromSeconds(30));
        if (config.Protocol == MqttProtocol.V5)
            builder.WithSessionExpiryInterval(SessionExpirySeconds);
        if (config.Username is not null)
            builder.WithCredentials(config.Username, config.Password ?? "");
        if (config.Broker.UseTls)
            builder.WithTlsOptions(tls => BrokerTls.Configure(tls, config.Broker.Host, config.CaFile));
        return builder.Build();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
