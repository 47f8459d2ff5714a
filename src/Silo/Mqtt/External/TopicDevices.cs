using System.Collections.Concurrent;
using EdgeSync.Registry;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>
/// The registered device behind a topic root, for uplinks from the external broker, where the
/// topic is all there is to tell the sender. Found devices are remembered for
/// <see cref="RememberFor"/> so that a device's every batch does not cost a registry lookup; unknown
/// roots are looked up every time, so a device registered a moment ago is found at once.
/// </summary>
public sealed class TopicDevices(DeviceDirectory directory, TimeProvider clock)
{
    /// <summary>How long a deleted device's queued uplinks may still be taken as its own.</summary>
    public static readonly TimeSpan RememberFor = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (Device Device, DateTimeOffset Until)> _found = new(StringComparer.Ordinal);

    public async Task<Device?> FindAsync(string topicRoot, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_found.TryGetValue(topicRoot, out var known) && known.Until > now)
            return known.Device;
        var device = await directory.FindAsync(topicRoot, ct);
        if (device is null)
            _found.TryRemove(topicRoot, out _);
        else
            _found[topicRoot] = (device, now + RememberFor);
        return device;
    }
}
