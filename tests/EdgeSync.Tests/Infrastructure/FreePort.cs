using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// A TCP port nothing listens on. The kernel may hand the same ephemeral port out again once the
/// probe is closed, so ports given before are skipped: two services of one test never collide.
/// </summary>
public static class FreePort
{
    private static readonly ConcurrentDictionary<int, bool> Given = new();

    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (Given.TryAdd(port, true))
                return port;
        }
    }
}
