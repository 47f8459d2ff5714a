using System.Threading.Channels;

namespace EdgeSync.Silo.Mqtt;

/// <summary>
/// How this node's controls reach devices: through its embedded broker (to the devices connected
/// to it), or through the external broker it is a client of (to any device). The pending controls
/// table decides what is open; the link decides what to send now and carries it.
/// </summary>
public interface IDeviceLink
{
    /// <summary>Devices that just began listening on their control topic: everything open goes to them at once.</summary>
    ChannelReader<DeviceSession> Listening { get; }

    /// <summary>The open controls to publish now, each with its device's topic root.</summary>
    Task<IReadOnlyList<DueControl>> DueAsync(DateTimeOffset now, TimeSpan resendAfter, CancellationToken ct);

    /// <summary>Publishes a control at QoS 1 on the control topic under <paramref name="topicRoot"/>.</summary>
    Task PublishControlAsync(string topicRoot, string payloadJson, CancellationToken ct);
}
