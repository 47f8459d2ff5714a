using System.Net;
using System.Security.Cryptography;
using EdgeSync.Api.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// A small OpenID Connect identity provider on a real Kestrel port: a discovery document and a
/// JWKS of keys it can rotate, add and retire, and tokens signed with any of them.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<SigningKey> _published = [];
    private int _keyRequests;

    public sealed record SigningKey(SecurityKey Key, string Algorithm, object Jwk)
    {
        public string Id => Key.KeyId;
    }

    private TestIdentityProvider(WebApplication app, string authority)
    {
        _app = app;
        Authority = authority;
        Issuer = authority;
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:40123; also the issuer of its tokens.</summary>
    public string Authority { get; }

    public string Issuer { get; }

    /// <summary>The key new tokens are signed with (the newest published RSA or EC key).</summary>
    public SigningKey Current { get { lock (_gate) return _published[^1]; } }

    /// <summary>How many times the key set was fetched.</summary>
    public int KeyRequests => Volatile.Read(ref _keyRequests);

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var provider = new TestIdentityProvider(app, $"http://127.0.0.1:{port}");
        provider.Publish(NewRsaKey());
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = provider.Issuer,
            ["jwks_uri"] = $"{provider.Authority}/keys",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        }));
        app.MapGet("/keys", () =>
        {
            Interlocked.Increment(ref provider._keyRequests);
            lock (provider._gate)
                return Results.Json(new { keys = provider._published.Select(k => k.Jwk).ToArray() });
        });
        await app.StartAsync();
        return provider;
    }

    /// <summary>Publishes a new RSA key and signs with it from now on; the old keys stay published.</summary>
    public SigningKey Rotate() => Publish(NewRsaKey());

    /// <summary>Publishes a new P-256 key (ES256) and signs with it from now on.</summary>
    public SigningKey RotateToEcdsa() => Publish(NewEcKey());

    /// <summary>Removes a key from the key set (tokens it signed stop being valid once a node reads the set again).</summary>
    public void Retire(SigningKey key)
    {
        lock (_gate)
            _published.RemoveAll(k => k.Id == key.Id);
    }

    /// <summary>A key the provider never publishes, as an attacker's would be.</summary>
    public static SigningKey Unpublished() => NewRsaKey();

    public string Mint(IEnumerable<string> permissions, string subject = "oidc-user", string audience = "edgesync",
        string? issuer = null, SigningKey? key = null)
    {
        var signer = key ?? Current;
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(30),
            SigningCredentials = new SigningCredentials(signer.Key, signer.Algorithm),
            Claims = new Dictionary<string, object>
            {
                [Grants.SubjectClaimType] = subject,
                [Grants.ClaimType] = permissions.ToArray(),
            },
        });
    }

    private SigningKey Publish(SigningKey key)
    {
        lock (_gate)
            _published.Add(key);
        return key;
    }

    private static SigningKey NewRsaKey()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };
        var p = key.Rsa.ExportParameters(false);
        return new SigningKey(key, SecurityAlgorithms.RsaSha256, new Dictionary<string, string>
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = key.KeyId,
            ["n"] = Base64UrlEncoder.Encode(p.Modulus),
            ["e"] = Base64UrlEncoder.Encode(p.Exponent),
        });
    }

    private static SigningKey NewEcKey()
    {
        var key = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = Guid.NewGuid().ToString("N") };
        var p = key.ECDsa.ExportParameters(false);
        return new SigningKey(key, SecurityAlgorithms.EcdsaSha256, new Dictionary<string, string>
        {
            ["kty"] = "EC",
            ["use"] = "sig",
            ["alg"] = "ES256",
            ["kid"] = key.KeyId,
            ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(p.Q.X),
            ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
        });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
