using System.Net;
using System.Threading.RateLimiting;

namespace EdgeSync.Silo.Mqtt.Transport;

/// <summary>
/// Slows down refused CONNECTs: each source address and each username has a budget of failures
/// per second. While either budget is spent, the next CONNECT is refused before the registry is
/// asked, so password guessing costs neither a lookup nor a hash check. Successful CONNECTs spend
/// nothing.
/// </summary>
public sealed class ConnectThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;

    public ConnectThrottle(int failuresPerSecond)
    {
        // Idle partitions are dropped by the limiter itself, so a stream of made-up usernames does not
        // grow this without bound. (A token bucket refilled between two attempts here: a fixed window
        // counts them as expected.)
        _failures = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = failuresPerSecond,
            Window = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
        }));
    }

    /// <summary>Whether a CONNECT from this address as this user may be checked at all.</summary>
    public bool Allows(EndPoint? remote, string? username)
    {
        using var byAddress = _failures.AttemptAcquire(AddressKey(remote), 0);
        if (!byAddress.IsAcquired)
            return false;
        using var byUser = _failures.AttemptAcquire(UserKey(username), 0);
        return byUser.IsAcquired;
    }

    public void Refused(EndPoint? remote, string? username)
    {
        _failures.AttemptAcquire(AddressKey(remote)).Dispose();
        _failures.AttemptAcquire(UserKey(username)).Dispose();
    }

    private static string AddressKey(EndPoint? remote) => "a:" + (remote is IPEndPoint ip ? ip.Address.ToString() : remote?.ToString());

    private static string UserKey(string? username) => "u:" + username;

    public void Dispose() => _failures.Dispose();
}
