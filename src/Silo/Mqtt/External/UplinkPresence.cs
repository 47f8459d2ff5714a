using System.Collections.Concurrent;
using Npgsql;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>
/// What the node knows of devices behind an external broker: only when they last sent it an
/// uplink. That time is the device's <c>last_seen_at</c> (written at most every
/// <see cref="RecordEvery"/> per device, so a busy device does not add a write to every batch), and
/// it tells the control dispatcher which devices are online now.
/// </summary>
public sealed class UplinkPresence(DeviceDirectory directory, TimeProvider clock, ILogger<UplinkPresence> logger)
{
    public static readonly TimeSpan RecordEvery = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _lastUplink = new();
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _lastRecorded = new();

    public async Task SeenAsync(Guid deviceId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        _lastUplink[deviceId] = now;
        if (_lastRecorded.TryGetValue(deviceId, out var recorded) && now - recorded < RecordEvery)
            return;
        _lastRecorded[deviceId] = now;
        try
        {
            await directory.MarkSeenAsync(deviceId, now, ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning(e, "Could not record when device {Device} was last seen", deviceId);
        }
    }

    /// <summary>The devices that sent this node an uplink after <paramref name="from"/>, with when (UTC); older ones are forgotten.</summary>
    public IReadOnlyDictionary<Guid, DateTimeOffset> SeenSince(DateTimeOffset from)
    {
        var seen = new Dictionary<Guid, DateTimeOffset>();
        foreach (var (device, at) in _lastUplink)
        {
            if (at > from)
                seen[device] = at.ToUniversalTime();
            else
            {
                _lastUplink.TryRemove(KeyValuePair.Create(device, at));
                _lastRecorded.TryRemove(device, out _);
            }
        }
        return seen;
    }
}
