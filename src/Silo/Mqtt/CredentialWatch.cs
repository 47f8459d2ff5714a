using EdgeSync.Silo.Hosting;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace EdgeSync.Silo.Mqtt;

/// <summary>
/// Ends the connections of devices whose secret was rotated (or that were deleted) since they
/// authenticated. Authentication happens once per connection, so without this a device whose
/// secret leaked would keep publishing on its old connection. Each node checks its own devices,
/// whichever node served the rotation.
/// </summary>
public sealed class CredentialWatch(
    EmbeddedBroker broker,
    DeviceDirectory directory,
    IOptions<MqttOptions> options,
    TimeProvider clock,
    ILogger<CredentialWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CredentialCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not check connected devices' credentials; trying again");
            }
        }
    }

    private async Task CheckAsync(CancellationToken ct)
    {
        var connected = await broker.ConnectedDevicesAsync();
        if (connected.Count == 0)
            return;
        var current = await directory.SecretHashesAsync(connected.Select(c => c.Device.Identity.DeviceId).Distinct().ToList(), ct);
        foreach (var (device, proven) in connected)
        {
            if (current.TryGetValue(device.Identity.DeviceId, out var hash) && hash == proven)
                continue;
            logger.LogWarning("Disconnecting {Device}: its secret was rotated or the device was removed after it connected", device.ClientId);
            await broker.DisconnectAsync(device, MqttDisconnectReasonCode.NotAuthorized, "credentials revoked");
        }
    }
}
