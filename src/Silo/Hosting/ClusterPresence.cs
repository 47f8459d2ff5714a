using EdgeSync.Registry;

namespace EdgeSync.Silo.Hosting;

/// <summary>
/// A device counts as connected while the node that recorded its connection is a member of the
/// cluster that has not been declared dead: a node killed with SIGKILL records no disconnects,
/// but the cluster declares it dead within its membership timeout.
/// </summary>
public sealed class ClusterPresence(IClusterMembershipService membership) : IDevicePresence
{
    public bool IsConnected(Device device)
    {
        if (!device.Connected || device.ConnectedVia is not { } node)
            return false;
        SiloAddress address;
        try
        {
            address = SiloAddress.FromParsableString(node);
        }
        catch (FormatException)
        {
            return false;
        }
        return membership.CurrentSnapshot.Members.TryGetValue(address, out var member) && member.Status != SiloStatus.Dead;
    }
}
