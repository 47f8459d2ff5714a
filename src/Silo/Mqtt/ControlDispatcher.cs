using EdgeSync.Silo.Hosting;
using EdgeSync.Storage;
using Microsoft.Extensions.Options;

namespace EdgeSync.Silo.Mqtt;

/// <summary>
/// Publishes pending controls to the devices connected to this node: everything open as soon as a
/// device listens on its control topic, new controls within a second, and every unacknowledged
/// one again after <see cref="MqttOptions.ControlResendInterval"/>. The table is the only state,
/// so restarts and failover lose nothing.
/// </summary>
public sealed class ControlDispatcher(
    PendingControls controls,
    ConnectedDevices devices,
    EmbeddedBroker broker,
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
                var connected = devices.DeviceIds;
                if (connected.Count > 0)
                    await SendAsync(await controls.DueAsync(connected, clock.GetUtcNow(), options.Value.ControlResendInterval, stoppingToken), stoppingToken);
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
        await foreach (var device in devices.Listening.ReadAllAsync(ct))
        {
            try
            {
                await SendAsync(await controls.OpenForDeviceAsync(device.Identity.DeviceId, ct), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not send pending controls to {Device}; the next poll will", device.ClientId);
            }
        }
    }

    private async Task SendAsync(IReadOnlyList<PendingControl> due, CancellationToken ct)
    {
        var sent = new List<Guid>();
        foreach (var control in due)
        {
            if (devices.Find(control.DeviceId) is not { } device)
                continue;
            await broker.PublishControlAsync(device, control.PayloadJson, ct);
            sent.Add(control.ControlId);
        }
        if (sent.Count > 0)
            await controls.MarkSentAsync(sent, clock.GetUtcNow(), ct);
    }
}
