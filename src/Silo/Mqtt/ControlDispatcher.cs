using EdgeSync.Silo.Hosting;
using EdgeSync.Storage;
using Microsoft.Extensions.Options;

namespace EdgeSync.Silo.Mqtt;

/// <summary>
/// Publishes pending controls through the node's <see cref="IDeviceLink"/>: everything open as soon
/// as a device listens on its control topic, new controls within a second, and unacknowledged ones
/// again after <see cref="MqttOptions.ControlResendInterval"/> (which devices the link can reach,
/// and when it sends again, is the link's rule). The table is the only state, so restarts and
/// failover lose nothing.
/// </summary>
public sealed class ControlDispatcher(
    PendingControls controls,
    IDeviceLink link,
    IOptions<MqttOptions> options,
    TimeProvider clock,
    ILogger<ControlDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var onListen = SendToListeningDevicesAsync(stoppingToken);
        using var timer = new PeriodicTimer(PollInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SendAsync(await link.DueAsync(clock.GetUtcNow(), options.Value.ControlResendInterval, stoppingToken), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not dispatch pending controls; trying again");
            }
        }
        await onListen;
    }

    private async Task SendToListeningDevicesAsync(CancellationToken ct)
    {
        await foreach (var device in link.Listening.ReadAllAsync(ct))
        {
            try
            {
                var open = await controls.OpenForDeviceAsync(device.Identity.DeviceId, ct);
                await SendAsync(open.Select(c => new DueControl(c, device.TopicRoot)).ToList(), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not send pending controls to {Device}; the next poll will", device.ClientId);
            }
        }
    }

    private async Task SendAsync(IReadOnlyList<DueControl> due, CancellationToken ct)
    {
        var sent = new List<Guid>();
        foreach (var (control, topicRoot) in due)
        {
            await link.PublishControlAsync(topicRoot, control.PayloadJson, ct);
            sent.Add(control.ControlId);
        }
        if (sent.Count > 0)
            await controls.MarkSentAsync(sent, clock.GetUtcNow(), ct);
    }
}
