using System.Threading.Channels;
using EdgeSync.Storage;

namespace EdgeSync.Silo.Mqtt;

/// <summary>Controls through the embedded broker: only to the devices connected to this node, which is the one that can reach them.</summary>
public sealed class EmbeddedDeviceLink(ConnectedDevices devices, PendingControls controls, EmbeddedBroker broker) : IDeviceLink
{
    public ChannelReader<DeviceSession> Listening => devices.Listening;

    public async Task<IReadOnlyList<DueControl>> DueAsync(DateTimeOffset now, TimeSpan resendAfter, CancellationToken ct)
    {
        var connected = devices.DeviceIds;
        if (connected.Count == 0)
            return [];
        var due = await controls.DueAsync(connected, now, resendAfter, ct);
        return due.Select(c => devices.Find(c.DeviceId) is { } device ? new DueControl(c, device.TopicRoot) : null).OfType<DueControl>().ToList();
    }

    public Task PublishControlAsync(string topicRoot, string payloadJson, CancellationToken ct) => broker.PublishControlAsync(topicRoot, payloadJson, ct);
}
