using EdgeSync.Registry;

namespace EdgeSync.Api.Devices;

/// <summary>For the embedded broker, which authenticates devices against the registry: nothing to keep elsewhere.</summary>
public sealed class RegistryOnlyAccounts : IBrokerAccounts
{
    public Task CreateAsync(Device device, string secret, CancellationToken ct) => Task.CompletedTask;

    public Task RotateSecretAsync(Device device, string secret, CancellationToken ct) => Task.CompletedTask;

    public Task DeleteAsync(Device device, CancellationToken ct) => Task.CompletedTask;
}
