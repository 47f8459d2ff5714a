using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSync.Api.Auth;

/// <summary>
/// Token settings from the <c>Auth</c> configuration section.
/// <list type="bullet">
/// <item><c>Auth:Audience</c> (required): the <c>aud</c> every token must carry.</item>
/// <item><c>Auth:Authority</c>: an OpenID Connect identity provider; its discovery document
/// (<c>/.well-known/openid-configuration</c>) names the JWKS whose keys sign RS256/ES256 tokens
/// and the issuer they carry.</item>
/// <item><c>Auth:SigningKey</c>: an HS256 secret (development tokens, <c>dev-token</c>). Optional when
/// an authority is configured. Taken as raw UTF-8 unless it starts with <c>base64:</c>; at least 32 bytes.</item>
/// <item><c>Auth:Issuer</c>: the <c>iss</c> of HS256 tokens (required with a signing key); with an
/// authority it is accepted next to the discovery document's issuer.</item>
/// </list>
/// </summary>
public sealed record AuthSettings(
    string Audience,
    string? Issuer,
    SymmetricSecurityKey? SigningKey,
    bool IsDevelopmentKey,
    Uri? Authority,
    bool? RequireHttpsMetadata,
    bool AllowDevelopmentKey,
    TimeSpan KeysRefreshInterval,
    TimeSpan UnknownKeyRefreshInterval)
{
    public const string Section = "Auth";
    public const string Base64Prefix = "base64:";
    public const int MinKeyBytes = 32;

    /// <summary>
    /// The signing key appsettings.json ships for development. Anyone can read it, so a node
    /// outside Development refuses to start with it unless <c>Auth:AllowDevelopmentKey=true</c>.
    /// </summary>
    public const string DevelopmentSigningKey = "edgesync-development-signing-key-change-me-0123456789";

    public static readonly TimeSpan DefaultKeysRefreshInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultUnknownKeyRefreshInterval = TimeSpan.FromMinutes(1);

    /// <summary>Where the discovery document is: the authority itself when it names one, else below it.</summary>
    public Uri? DiscoveryAddress => Authority is null ? null
        : Authority.AbsolutePath.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal) ? Authority
        : new Uri(Authority.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration");

    public static AuthSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var audience = Require(section, "Audience");
        var issuer = Optional(section, "Issuer");
        var rawKey = Optional(section, "SigningKey");
        var authority = ParseAuthority(Optional(section, "Authority"));
        if (rawKey is null && authority is null)
            throw new InvalidOperationException(
                $"Configure {Section}:Authority (an OpenID Connect identity provider) or {Section}:SigningKey (an HS256 secret) for the HTTP API's bearer tokens.");
        if (rawKey is not null && issuer is null)
            throw new InvalidOperationException($"Configuration {Section}:Issuer is required with {Section}:SigningKey (the issuer of HS256 tokens).");

        var key = rawKey is null ? null : ParseKey(rawKey);
        return new AuthSettings(
            audience,
            issuer,
            key,
            key is not null && CryptographicOperations.FixedTimeEquals(key.Key, Encoding.UTF8.GetBytes(DevelopmentSigningKey)),
            authority,
            Flag(section, "RequireHttpsMetadata"),
            Flag(section, "AllowDevelopmentKey") ?? false,
            Interval(section, "KeysRefreshInterval", DefaultKeysRefreshInterval),
            Interval(section, "UnknownKeyRefreshInterval", DefaultUnknownKeyRefreshInterval));
    }

    public static SymmetricSecurityKey ParseKey(string value)
    {
        byte[] bytes;
        if (value.StartsWith(Base64Prefix, StringComparison.Ordinal))
        {
            try
            {
                bytes = Convert.FromBase64String(value[Base64Prefix.Length..].Trim());
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{Section}:SigningKey starts with '{Base64Prefix}' but the rest is not valid base64.");
            }
        }
        else
        {
            bytes = Encoding.UTF8.GetBytes(value);
        }

        if (bytes.Length < MinKeyBytes)
            throw new InvalidOperationException(
                $"{Section}:SigningKey must be at least {MinKeyBytes} bytes (it has {bytes.Length}); use a long random string or 'base64:<at least 32 random bytes>'.");
        return new SymmetricSecurityKey(bytes) { KeyId = "edgesync-hs256" };
    }

    private static Uri? ParseAuthority(string? value)
    {
        if (value is null)
            return null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new InvalidOperationException($"{Section}:Authority must be an absolute http(s) URL, not '{value}'.");
        return uri;
    }

    private static bool? Flag(IConfigurationSection section, string name)
    {
        var value = Optional(section, name);
        if (value is null)
            return null;
        return bool.TryParse(value, out var flag) ? flag
            : throw new InvalidOperationException($"{Section}:{name} must be true or false, not '{value}'.");
    }

    private static TimeSpan Interval(IConfigurationSection section, string name, TimeSpan fallback)
    {
        var value = Optional(section, name);
        if (value is null)
            return fallback;
        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero ? interval
            : throw new InvalidOperationException($"{Section}:{name} must be a positive time span such as 00:05:00, not '{value}'.");
    }

    private static string? Optional(IConfigurationSection section, string name)
    {
        var value = section[name];
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    private static string Require(IConfigurationSection section, string name)
        => Optional(section, name)
           ?? throw new InvalidOperationException($"Configuration {Section}:{name} is required for the HTTP API's bearer tokens.");
}
