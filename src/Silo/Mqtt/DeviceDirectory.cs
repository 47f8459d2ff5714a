using EdgeSync.Registry;
using Marten;
using Marten.Patching;

namespace EdgeSync.Silo.Mqtt;

/// <summary>Authenticates devices against the registry: username <c>{topic_slug}/{device_name}</c> and the device secret.</summary>
public sealed class DeviceDirectory(IDocumentStore store)
{
    public async Task<Device?> AuthenticateAsync(string? username, string? secret, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(secret))
            return null;
        var split = username.LastIndexOf('/');
        if (split < 0)
            return null;
        var slug = username[..split];
        var name = username[(split + 1)..];

        await using var session = store.QuerySession();
        var device = await session.Query<Device>().FirstOrDefaultAsync(d => d.TopicSlug == slug && d.Name == name, ct);
        return device is not null && DeviceSecret.Verify(secret, device.SecretHash) ? device : null;
    }

    /// <summary>The current secret hash of each device that still exists.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> SecretHashesAsync(IReadOnlyCollection<Guid> deviceIds, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var devices = await session.LoadManyAsync<Device>(ct, deviceIds);
        return devices.ToDictionary(d => d.Id, d => d.SecretHash);
    }

    /// <summary>
    /// Records that the device connected to <paramref name="node"/>, or disconnected from it. A
    /// disconnect recorded by a node the device has since left (it reconnected elsewhere before
    /// this node noticed) changes only the time last seen.
    /// </summary>
    public async Task MarkConnectionAsync(Guid deviceId, bool connected, string node, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        session.Patch<Device>(deviceId).Set(d => d.LastSeenAt, at);
        if (connected)
        {
            session.Patch<Device>(deviceId).Set(d => d.Connected, true);
            session.Patch<Device>(deviceId).Set(d => d.ConnectedVia, node);
        }
        else
        {
            session.Patch<Device>(d => d.Id == deviceId && d.ConnectedVia == node).Set(d => d.Connected, false);
            session.Patch<Device>(d => d.Id == deviceId && d.ConnectedVia == node).Set(d => d.ConnectedVia, null);
        }
        await session.SaveChangesAsync(ct);
    }
}
