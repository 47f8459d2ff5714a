namespace EdgeSync.Registry;

/// <summary>
/// Whether a device is connected now. The registry records which node accepted its connection;
/// a node that crashed never records the disconnect, so the record alone can say "connected" long
/// after the device went away. A cluster node answers from its view of the live members.
/// </summary>
public interface IDevicePresence
{
    bool IsConnected(Device device);
}

/// <summary>The recorded flag as it stands: for a single process that records every disconnect.</summary>
public sealed class RecordedPresence : IDevicePresence
{
    public bool IsConnected(Device device) => device.Connected;
}
