using MQTTnet;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>
/// One MQTT client connection to the external broker, kept up by its own loop: connect, let the
/// owner subscribe, wait until the connection drops or the owner asks for a new one, and try again
/// after a backoff (1 s doubling up to <see cref="ExternalBrokerOptions.ReconnectDelayMax"/>, reset
/// once a connection has lasted that long). MQTTnet 5 has no managed client; failures are logged,
/// never thrown, so a broker outage never stops the node.
/// </summary>
public sealed class BrokerConnection : IDisposable
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);

    private readonly string _name;
    private readonly string _broker;
    private readonly MqttClientOptions _options;
    private readonly TimeSpan _delayMax;
    private readonly Func<IMqttClient, CancellationToken, Task> _onConnected;
    private readonly ILogger _logger;
    private TaskCompletionSource _ended = NewSignal();
    private TaskCompletionSource _ready = NewSignal();
    private int _generation;

    /// <param name="name">What the connection is for, in log lines.</param>
    /// <param name="broker">The broker's address, in log lines.</param>
    /// <param name="onConnected">Runs after every successful CONNECT (subscriptions); when it throws, the connection is dropped and tried again.</param>
    public BrokerConnection(string name, string broker, MqttClientOptions options, TimeSpan delayMax, ILogger logger,
        Func<IMqttClient, CancellationToken, Task> onConnected)
    {
        _name = name;
        _broker = broker;
        _options = options;
        _delayMax = delayMax;
        _logger = logger;
        _onConnected = onConnected;
        Client = new MqttClientFactory().CreateMqttClient();
        Client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                _logger.LogWarning("The {Connection} connection to the MQTT broker was lost: {Reason}{Detail}", _name, e.Reason,
                    e.ReasonString is { Length: > 0 } why ? $" ({why})" : e.Exception is { } ex ? $" ({ex.Message})" : "");
                _ended.TrySetResult();
            }
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    /// <summary>Connected and subscribed.</summary>
    public bool IsReady => _ready.Task.IsCompleted && Client.IsConnected;

    /// <summary>Counts the connection attempts; a message belongs to the connection it arrived on.</summary>
    public int Generation => Volatile.Read(ref _generation);

    public Task WaitUntilReadyAsync(CancellationToken ct) => _ready.Task.WaitAsync(ct);

    /// <summary>Drops the current connection; the loop makes a new one (after its backoff).</summary>
    public void Reconnect() => _ended.TrySetResult();

    /// <summary>Keeps the connection up until <paramref name="ct"/> is cancelled; leaves it open then, for the owner to finish and close.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var delay = FirstDelay;
        while (!ct.IsCancellationRequested)
        {
            var connectedAt = DateTime.UtcNow;
            if (await TryConnectAsync(ct))
            {
                await _ended.Task.WaitAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (ct.IsCancellationRequested)
                    return;
                _ready = NewSignal();
                await CloseAsync();
                if (DateTime.UtcNow - connectedAt >= _delayMax)
                    delay = FirstDelay;
            }
            if (ct.IsCancellationRequested)
                return;
            _logger.LogInformation("Connecting the {Connection} connection to the MQTT broker again in {Delay:0.0} s", _name, delay.TotalSeconds);
            await Task.Delay(Jittered(delay), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _delayMax.Ticks));
        }
    }

    /// <summary>Closes the connection with a normal DISCONNECT; the broker keeps a persistent session.</summary>
    public async Task CloseAsync()
    {
        if (!Client.IsConnected)
            return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            _logger.LogDebug(e, "Closing the {Connection} connection failed; it is gone either way", _name);
        }
    }

    private async Task<bool> TryConnectAsync(CancellationToken ct)
    {
        _ended = NewSignal();
        // Before CONNECT: a resumed session's unacknowledged messages arrive right after the CONNACK.
        Interlocked.Increment(ref _generation);
        try
        {
            var result = await Client.ConnectAsync(_options, ct);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                _logger.LogError("The MQTT broker {Broker} refused the {Connection} connection of {ClientId}: {Code} {Reason}",
                    _broker, _name, _options.ClientId, result.ResultCode, result.ReasonString);
                return false;
            }
            await _onConnected(Client, ct);
            _ready.TrySetResult();
            _logger.LogInformation("Connected the {Connection} connection to the MQTT broker {Broker} as {ClientId} (session {Session})",
                _name, _broker, _options.ClientId, result.IsSessionPresent ? "resumed" : "new");
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e)
        {
            _logger.LogWarning("The {Connection} connection to the MQTT broker {Broker} failed: {Error}", _name, _broker, e.Message);
            await CloseAsync();
            return false;
        }
    }

    private static TimeSpan Jittered(TimeSpan delay) => delay * (0.8 + Random.Shared.NextDouble() * 0.4);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => Client.Dispose();
}
