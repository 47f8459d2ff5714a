using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSync.Api.Auth;

/// <summary>
/// The identity provider's discovery document and signing keys (<c>Auth:Authority</c>), as the
/// bearer handler's configuration manager.
/// <para>
/// Our own rather than the library's: its automatic refresh cannot be shorter than five minutes
/// and its on-demand refresh runs in the background, so the request that brings a token signed
/// with a freshly rotated key would fail. Here both refreshes run on the calling request
/// (one fetch at a time; others wait for it):
/// </para>
/// <list type="bullet">
/// <item>the document is fetched again when older than <c>Auth:KeysRefreshInterval</c>, so
/// retired keys stop being accepted;</item>
/// <item>a token signed with an unknown key makes the token handler ask for a refresh and
/// validate once more; such refreshes are at most one per <c>Auth:UnknownKeyRefreshInterval</c>,
/// so tokens with made-up key ids cannot make the node hammer the provider.</item>
/// </list>
/// A failed fetch keeps the keys known so far (and is retried after a short pause); with no keys
/// known yet the request fails and the handler answers 401.
/// </summary>
internal sealed class IdentityProviderKeys : BaseConfigurationManager, IConfigurationManager<OpenIdConnectConfiguration>
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    private readonly string _address;
    private readonly IDocumentRetriever _documents;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeSpan _unknownKeyInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _fetch = new(1, 1);

    private OpenIdConnectConfiguration? _current;
    private DateTimeOffset _fetchAfter = DateTimeOffset.MinValue;
    private DateTimeOffset _lastForcedRefresh = DateTimeOffset.MinValue;
    private volatile bool _refreshRequested;

    public IdentityProviderKeys(AuthSettings settings, bool requireHttps, TimeProvider time, ILogger logger)
    {
        _address = settings.DiscoveryAddress!.AbsoluteUri;
        _documents = new HttpDocumentRetriever { RequireHttps = requireHttps };
        _refreshInterval = settings.KeysRefreshInterval;
        _unknownKeyInterval = settings.UnknownKeyRefreshInterval;
        _time = time;
        _logger = logger;
        MetadataAddress = _address;
        // The token handler would otherwise retry a failed token with an earlier key set for an
        // hour: a key the provider retired must stop working at the next read.
        UseLastKnownGoodConfiguration = false;
    }

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        var current = _current;
        if (current is not null && !_refreshRequested && _time.GetUtcNow() < _fetchAfter)
            return current;

        await _fetch.WaitAsync(cancel);
        try
        {
            // Another request may have fetched while this one waited.
            if (_current is not null && !_refreshRequested && _time.GetUtcNow() < _fetchAfter)
                return _current;
            _refreshRequested = false;
            try
            {
                // Not the request's token: the fetch serves every waiting request.
                var fetched = await OpenIdConnectConfigurationRetriever.GetAsync(_address, _documents, CancellationToken.None);
                if (fetched.SigningKeys.Count == 0)
                    throw new InvalidOperationException($"the identity provider's key set ({fetched.JwksUri}) holds no usable signing key");
                _current = fetched;
                _fetchAfter = _time.GetUtcNow() + _refreshInterval;
                _logger.LogInformation("Identity provider {Address}: issuer {Issuer}, {Count} signing key(s)", _address, fetched.Issuer, fetched.SigningKeys.Count);
            }
            catch (Exception e) when (_current is not null)
            {
                _fetchAfter = _time.GetUtcNow() + RetryAfterFailure;
                _logger.LogWarning(e, "Identity provider {Address} could not be read; the keys known so far stay in use", _address);
            }
            return _current ?? throw new InvalidOperationException($"The identity provider's discovery document {_address} could not be read.");
        }
        finally
        {
            _fetch.Release();
        }
    }

    public override async Task<BaseConfiguration> GetBaseConfigurationAsync(CancellationToken cancel)
        => await GetConfigurationAsync(cancel);

    /// <summary>A token named a key this node does not know: fetch again, unless that was done very recently.</summary>
    public override void RequestRefresh()
    {
        var now = _time.GetUtcNow();
        lock (_fetch)
        {
            if (now - _lastForcedRefresh < _unknownKeyInterval)
                return;
            _lastForcedRefresh = now;
        }
        _refreshRequested = true;
    }
}
