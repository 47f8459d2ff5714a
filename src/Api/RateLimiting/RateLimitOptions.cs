namespace EdgeSync.Api.RateLimiting;

/// <summary>
/// The <c>RateLimits</c> configuration section: fixed windows of <see cref="Window"/>, one per
/// caller (the token's <c>sub</c>) and a stricter one per client address for requests without a
/// valid token. The defaults are far above what an operator, the CLI, the test suite or the
/// benchmark send; they stop runaway scripts and token guessing, not normal use.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Off: no request is limited.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Length of a counting window.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests per window for one authenticated caller (token <c>sub</c>); each node counts its own.</summary>
    public int PerCallerPermits { get; set; } = 3000;

    /// <summary>Requests per window from one client address without a valid token: 401s, the upload PUT (token in the URL), sign-in.</summary>
    public int PerAddressPermits { get; set; } = 600;

    public string? Problem()
    {
        if (Window <= TimeSpan.Zero || Window > TimeSpan.FromHours(1))
            return $"{Section}:Window must be between 00:00:00.001 and 01:00:00";
        if (PerCallerPermits < 1 || PerAddressPermits < 1)
            return $"{Section}:PerCallerPermits and {Section}:PerAddressPermits must be at least 1";
        return null;
    }
}
