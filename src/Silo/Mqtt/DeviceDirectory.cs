using EdgeSync.Registry;
using Marten;
using Marten.Patching;

namespace EdgeSync.Silo.Mqtt;

/// <summary>Finds devices in the registry by their MQTT username <c>{topic_slug}/{device_name}</c>, which is also their topic root.</summary>
public sealed class DeviceDirectory(IDocumentStore store)
{
    /// <summary>The device with this username and secret, or null.</summary>
    public async Task<Device?> AuthenticateAsync(string? username, string? secret, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(secret))
            return null;
        var device = await FindAsync(username, ct);
        return device is not null && DeviceSecret.Verify(secret, device.SecretHash) ? device : null;
    }

    /// <summary>The device whose username (and topic root) this is, or null.</summary>
    public async Task<Device?> FindAsync(string username, CancellationToken ct)
    {
        var split = username.LastIndexOf('/');
        if (split < 0)
            return null;
        var slug = username[..split];
        var name = username[(split + 1)..];

        await using var session = store.QuerySession();
        return await session.Query<Device>().FirstOrDefaultAsync(d => d.TopicSlug == slug && d.Name == name, ct);
    }

    /// <summary>Every registered device, for comparing the registry with a broker's accounts.</summary>
    public async Task<IReadOnlyList<Device>> AllAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<Device>().ToListAsync(ct);
    }

    /// <summary>The topic root of each device that still exists.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> TopicRootsAsync(IReadOnlyCollection<Guid> deviceIds, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var devices = await session.LoadManyAsync<Device>(ct, deviceIds);
        return devices.ToDictionary(d => d.Id, d => d.TopicRoot);
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

    /// <summary>Records when a device was last heard from, leaving <see cref="Device.Connected"/> as it is.</summary>
    public async Task MarkSeenAsync(Guid deviceId, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        session.Patch<Device>(deviceId).Set(d => d.LastSeenAt, at);
        await session.SaveChangesAsync(ct);
    }
}
