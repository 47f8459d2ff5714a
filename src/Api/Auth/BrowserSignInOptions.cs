namespace EdgeSync.Api.Auth;

/// <summary>The <c>Auth:Browser</c> configuration section.</summary>
public sealed class BrowserSignInOptions
{
    /// <summary>
    /// The longest a browser session lasts, whatever the pasted token's own expiry (which always
    /// bounds it). Default 12 hours.
    /// </summary>
    public TimeSpan MaxSessionLifetime { get; set; } = TimeSpan.FromHours(12);
}
