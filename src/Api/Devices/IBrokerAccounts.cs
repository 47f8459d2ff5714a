using EdgeSync.Registry;

namespace EdgeSync.Api.Devices;

/// <summary>
/// The devices' accounts at the MQTT broker, where the broker keeps its own: an external broker
/// (its credentials and topic ACL per device). The embedded broker reads the registry itself, so it
/// needs none. The plaintext secret exists only while a device is created or rotated; this is where
/// it goes.
/// </summary>
public interface IBrokerAccounts
{
    /// <summary>Gives the device an account with this secret and its ACL, replacing one of the same name.</summary>
    /// <exception cref="BrokerAccountsUnavailableException">The broker did not do it.</exception>
    Task CreateAsync(Device device, string secret, CancellationToken ct);

    /// <summary>Sets a new secret and ends the device's connections, which used the old one.</summary>
    /// <exception cref="BrokerAccountsUnavailableException">The broker did not do it.</exception>
    Task RotateSecretAsync(Device device, string secret, CancellationToken ct);

    /// <summary>Deletes the device's account and ends its connections.</summary>
    /// <exception cref="BrokerAccountsUnavailableException">The broker did not do it.</exception>
    Task DeleteAsync(Device device, CancellationToken ct);
}
