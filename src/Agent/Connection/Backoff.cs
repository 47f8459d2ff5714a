namespace EdgeSync.Agent.Connection;

/// <summary>Exponential backoff with jitter: 1 s, 2 s, 4 s … capped (30 s by default).</summary>
public sealed class Backoff(TimeSpan initial, TimeSpan cap)
{
    private int _attempt;

    public TimeSpan Next()
    {
        var exponent = Math.Min(_attempt++, 16);
        var delay = Math.Min(cap.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
        return TimeSpan.FromMilliseconds(Math.Min(cap.TotalMilliseconds, delay * jitter));
    }

    public void Reset() => _attempt = 0;
}
