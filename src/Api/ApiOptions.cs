namespace EdgeSync.Api;

/// <summary>
/// The <c>Api</c> configuration section.
/// </summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Path base the API is served under (e.g. <c>/edgesync</c>); empty for none.</summary>
    public string? PathBase { get; set; }

    /// <summary>
    /// Accept <c>X-Forwarded-For/-Proto/-Host/-Prefix</c> from any address (clears the known
    /// proxies and networks). Only for deployments where nothing but the gateway can reach the
    /// silo. Default false: only loopback plus <see cref="KnownProxies"/> and
    /// <see cref="KnownNetworks"/> are trusted.
    /// </summary>
    public bool TrustAllProxies { get; set; }

    /// <summary>Addresses of trusted proxies (e.g. <c>10.0.0.5</c>).</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Trusted proxy networks in CIDR notation (e.g. <c>10.0.0.0/8</c>).</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxy hops of <c>X-Forwarded-*</c> to apply (default 1).</summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>How long idempotency records are kept, in hours (at least 24).</summary>
    public int IdempotencyRetentionHours { get; set; } = 24;
}
