using Microsoft.Extensions.Options;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>
/// Brings the broker's device accounts in line with the registry: once the broker answers after the
/// node starts, then every <see cref="ExternalBrokerOptions.ReconcileInterval"/> (sooner after a
/// failure). A registered device without an account gets one with its ACL but no password, since the
/// service keeps only a hash of the secret: it can log in again once its secret is rotated. A
/// managed account of no registered device is deleted. Accounts the service does not manage (its
/// own, an operator's) are never touched.
/// </summary>
public sealed class BrokerAccountsReconciliation(
    DynamicSecurity dynamicSecurity,
    DynamicSecurityAccounts accounts,
    DeviceDirectory directory,
    IOptions<ExternalBrokerOptions> options,
    ILogger<BrokerAccountsReconciliation> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = options.Value.ReconcileInterval;
            try
            {
                await dynamicSecurity.WaitUntilConnectedAsync(stoppingToken);
                await ReconcileAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                next = TimeSpan.FromTicks(Math.Min(next.Ticks, options.Value.ReconnectDelayMax.Ticks));
                logger.LogWarning(e, "Could not reconcile the broker's device accounts with the registry; trying again in {Delay}", next);
            }
            await Task.Delay(next, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async Task ReconcileAsync(CancellationToken ct)
    {
        // The broker's list first: an account created after it belongs to a device that is already in
        // the registry read next, so a device being created is never taken for an extra account.
        var managed = (await accounts.ManagedUsernamesAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var devices = await directory.AllAsync(ct);
        var registered = devices.Select(d => d.MqttUsername).ToHashSet(StringComparer.Ordinal);

        var created = 0;
        foreach (var device in devices.Where(d => !managed.Contains(d.MqttUsername)))
        {
            await accounts.ProvideAsync(device, secret: null, ct);
            created++;
            logger.LogWarning("Device {Device} ({DeviceId}) had no account at the broker: created one without a password; " +
                              "it can connect again once its secret is rotated", device.MqttUsername, device.Id);
        }
        var deleted = 0;
        foreach (var username in managed.Where(u => !registered.Contains(u)))
        {
            await accounts.DeleteAsync(username, ct);
            deleted++;
            logger.LogInformation("Deleted the broker account {Username}: no registered device has it", username);
        }
        logger.LogInformation("Broker accounts reconciled with the registry: {Devices} devices, {Created} created, {Deleted} deleted",
            devices.Count, created, deleted);
    }
}
