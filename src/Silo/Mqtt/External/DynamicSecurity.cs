using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Api.Devices;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>
/// Commands to Mosquitto's dynamic security plugin: JSON published to its control topic, answered
/// on its response topic. The answers go to every subscriber, so each request carries a
/// correlation id of its own. A connection of its own (clean session, the node's account), so that
/// provisioning does not wait behind uplinks and a redelivery reconnect does not cut it off.
/// </summary>
public sealed class DynamicSecurity : BackgroundService
{
    public const string ControlTopic = "$CONTROL/dynamic-security/v1";
    public const string ResponseTopic = ControlTopic + "/response";

    private readonly ExternalBrokerOptions _options;
    private readonly BrokerConnection _connection;
    private readonly ILogger<DynamicSecurity> _logger;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<IReadOnlyList<DynamicSecurityResponse>>> _waiting = new();

    public DynamicSecurity(IOptions<ExternalBrokerOptions> options, NodeClientIds clientIds, ILogger<DynamicSecurity> logger)
    {
        _options = options.Value;
        _logger = logger;
        var clientOptions = BrokerClientOptions.For(_options, clientIds.Admin).WithCleanStart(true).Build();
        _connection = new BrokerConnection("dynamic security", _options.Url, clientOptions, _options.ReconnectDelayMax, logger,
            (client, ct) => client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(ResponseTopic).Build(), ct));
        _connection.Client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == ResponseTopic)
                Answer(e.ApplicationMessage.Payload.ToArray());
            return Task.CompletedTask;
        };
    }

    public Task WaitUntilConnectedAsync(CancellationToken ct) => _connection.WaitUntilReadyAsync(ct);

    /// <summary>Runs the commands in order (Mosquitto answers them in one message) and returns their answers.</summary>
    /// <exception cref="BrokerAccountsUnavailableException">Not connected, or no answer within <see cref="ExternalBrokerOptions.CommandTimeout"/>.</exception>
    public async Task<IReadOnlyList<DynamicSecurityResponse>> SendAsync(IReadOnlyList<JsonObject> commands, CancellationToken ct)
    {
        if (!_connection.IsReady)
            throw new BrokerAccountsUnavailableException("not connected to the MQTT broker");
        var correlation = Guid.NewGuid().ToString("N");
        foreach (var command in commands)
            command["correlationData"] = correlation;
        var answer = new TaskCompletionSource<IReadOnlyList<DynamicSecurityResponse>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[correlation] = answer;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.CommandTimeout);
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(ControlTopic)
                .WithPayload(new JsonObject { ["commands"] = new JsonArray([.. commands]) }.ToJsonString())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            var published = await _connection.Client.PublishAsync(message, timeout.Token);
            if (!published.IsSuccess)
                throw new BrokerAccountsUnavailableException($"the broker refused the command ({published.ReasonCode}); the node's account must administer dynamic security");
            return await answer.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new BrokerAccountsUnavailableException($"no answer from the broker within {_options.CommandTimeout.TotalSeconds:0.#} s", e);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException e)
        {
            throw new BrokerAccountsUnavailableException($"the connection to the broker failed: {e.Message}", e);
        }
        finally
        {
            _waiting.TryRemove(correlation, out _);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _connection.RunAsync(stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _connection.CloseAsync();
    }

    public override void Dispose()
    {
        _connection.Dispose();
        base.Dispose();
    }

    private void Answer(byte[] payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var responses = document.RootElement.GetProperty("responses").EnumerateArray()
                .Select(r => new DynamicSecurityResponse(
                    r.GetProperty("command").GetString() ?? "",
                    r.TryGetProperty("error", out var error) ? error.GetString() : null,
                    r.TryGetProperty("data", out var data) ? data.Clone() : null))
                .ToList();
            var correlation = document.RootElement.GetProperty("responses").EnumerateArray()
                .Select(r => r.TryGetProperty("correlationData", out var c) ? c.GetString() : null).FirstOrDefault(c => c is not null);
            if (correlation is not null && _waiting.TryGetValue(correlation, out var waiting))
                waiting.TrySetResult(responses);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            _logger.LogWarning(e, "Ignoring an answer on {Topic} that is not the dynamic security format", ResponseTopic);
        }
    }
}
