using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSync.Api.Auth;

/// <summary>
/// Token settings from the <c>Auth</c> configuration section: <c>Auth:Issuer</c>,
/// <c>Auth:Audience</c>, <c>Auth:SigningKey</c> (all required).
/// <para>
/// <c>Auth:SigningKey</c> is the HS256 secret. It is taken as a raw UTF-8 string unless it
/// starts with <c>base64:</c>, in which case the rest is base64-decoded. Either way the key
/// must be at least 32 bytes (256 bits), as HS256 requires.
/// </para>
/// </summary>
public sealed record AuthSettings(string Issuer, string Audience, SymmetricSecurityKey SigningKey)
{
    public const string Section = "Auth";
    public const string Base64Prefix = "base64:";
    public const int MinKeyBytes = 32;

    public static AuthSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var issuer = Require(section, "Issuer");
        var audience = Require(section, "Audience");
        var key = Require(section, "SigningKey");
        return new AuthSettings(issuer, audience, ParseKey(key));
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

    private static string Require(IConfigurationSection section, string name)
    {
        var value = section[name];
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException($"Configuration {Section}:{name} is required for the HTTP API's bearer tokens.");
        return value;
    }
}
