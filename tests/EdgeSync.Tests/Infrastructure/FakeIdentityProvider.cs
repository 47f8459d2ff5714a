using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// A small OpenID Connect provider on a real port for the browser sign-in tests: discovery, keys,
/// an authorization endpoint that signs in whoever asks (as <see cref="Subject"/> with
/// <see cref="Permissions"/>) and a token endpoint that checks the PKCE verifier before it issues
/// an RS256 ID token.
/// </summary>
public sealed class FakeIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "test-key" };
    private readonly ConcurrentDictionary<string, Grant> _codes = new();

    private sealed record Grant(string ClientId, string Challenge, string? Nonce, string Subject, string[] Permissions);

    public string Address { get; }
    public string Subject { get; set; } = "oidc-user";
    public string[] Permissions { get; set; } = [];

    /// <summary>Token requests whose code_verifier matched the authorization request's code_challenge.</summary>
    public int VerifiedPkceExchanges => _verified;
    private int _verified;

    private FakeIdentityProvider(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public static async Task<FakeIdentityProvider> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var provider = new FakeIdentityProvider(app, $"http://127.0.0.1:{port}");
        provider.Map(app);
        await app.StartAsync();
        return provider;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Address,
            ["authorization_endpoint"] = $"{Address}/authorize",
            ["token_endpoint"] = $"{Address}/token",
            ["jwks_uri"] = $"{Address}/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(_key);
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        app.MapGet("/authorize", (HttpContext http) =>
        {
            var q = http.Request.Query;
            if (q["response_type"] != "code" || q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]))
                return Results.BadRequest("code flow with S256 PKCE only");
            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _codes[code] = new Grant(q["client_id"].ToString(), q["code_challenge"].ToString(), q["nonce"], Subject, Permissions);
            return Results.Redirect($"{q["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(q["state"].ToString())}");
        });
        app.MapPost("/token", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var grant))
                return Results.Json(new { error = "invalid_grant" }, statusCode: (int)HttpStatusCode.BadRequest);
            var verifier = form["code_verifier"].ToString();
            var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
            if (verifier.Length == 0 || challenge != grant.Challenge)
                return Results.Json(new { error = "invalid_grant", error_description = "PKCE verifier mismatch" }, statusCode: (int)HttpStatusCode.BadRequest);
            Interlocked.Increment(ref _verified);
            var now = DateTime.UtcNow;
            var claims = new Dictionary<string, object> { ["sub"] = grant.Subject, ["permissions"] = grant.Permissions };
            if (grant.Nonce is not null)
                claims["nonce"] = grant.Nonce;
            var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Address,
                Audience = grant.ClientId,
                IssuedAt = now,
                NotBefore = now,
                Expires = now.AddMinutes(10),
                Claims = claims,
                SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            });
            return Results.Json(new { access_token = "opaque", token_type = "Bearer", expires_in = 600, id_token = idToken });
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
