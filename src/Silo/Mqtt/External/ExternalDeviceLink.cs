using System.Threading.Channels;
using EdgeSync.Storage;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>
/// Controls through the external broker, which queues them in a device's persistent session while
/// it is away: a new control is published at once, whoever the device is connected to. The node
/// cannot see connections, so an unacknowledged control is published again only to a device that
/// sent this node an uplink within the resend interval and after the control's last send: it is
/// online and has not acted on it (its session may have been lost). Any node may publish a control;
/// two that poll in the same instant both send it, which the device's acknowledgement makes harmless.
/// </summary>
public sealed class ExternalDeviceLink(PendingControls controls, UplinkPresence presence, DeviceDirectory directory, ExternalBroker broker)
    : IDeviceLink
{
    private static readonly Channel<DeviceSession> NoArrivals = Channel.CreateUnbounded<DeviceSession>();

    /// <summary>Never yields: connections to the external broker are not visible to the node.</summary>
    public ChannelReader<DeviceSession> Listening => NoArrivals.Reader;

    public async Task<IReadOnlyList<DueControl>> DueAsync(DateTimeOffset now, TimeSpan resendAfter, CancellationToken ct)
    {
        var due = await controls.DueThroughBrokerAsync(presence.SeenSince(now - resendAfter), now, resendAfter, ct);
        if (due.Count == 0)
            return [];
        var roots = await directory.TopicRootsAsync(due.Select(c => c.DeviceId).Distinct().ToList(), ct);
        return due.Where(c => roots.ContainsKey(c.DeviceId)).Select(c => new DueControl(c, roots[c.DeviceId])).ToList();
    }

    public Task PublishControlAsync(string topicRoot, string payloadJson, CancellationToken ct) => broker.PublishControlAsync(topicRoot, payloadJson, ct);
}
