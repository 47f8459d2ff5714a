using System.Collections.Concurrent;
using System.Threading.Channels;

namespace EdgeSync.Silo.Mqtt;

/// <summary>
/// The devices connected to this node's broker. Controls are delivered by the node a device is
/// connected to, so each node only ever publishes to its own devices.
/// </summary>
public sealed class ConnectedDevices
{
    private readonly ConcurrentDictionary<Guid, DeviceSession> _sessions = new();
    private readonly Channel<DeviceSession> _listening = Channel.CreateUnbounded<DeviceSession>();

    public IReadOnlyCollection<Guid> DeviceIds => _sessions.Keys.ToArray();

    public DeviceSession? Find(Guid deviceId) => _sessions.GetValueOrDefault(deviceId);

    /// <summary>Devices that just subscribed to their control topic: everything open is sent to them at once.</summary>
    public ChannelReader<DeviceSession> Listening => _listening.Reader;

    public void Subscribed(DeviceSession device)
    {
        _sessions[device.Identity.DeviceId] = device;
        _listening.Writer.TryWrite(device);
    }

    public void Disconnected(DeviceSession device) => _sessions.TryRemove(device.Identity.DeviceId, out _);
}
