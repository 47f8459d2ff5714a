using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSync.Api.Auth;

/// <summary>
/// Development tokens signed with the configured <c>Auth:SigningKey</c>. Production tokens come
/// from the identity provider that shares the key/issuer/audience configuration.
/// </summary>
public static class DevTokens
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(12);

    /// <summary>
    /// A signed HS256 JWT with <c>iss</c>, <c>aud</c>, <c>sub</c>, <c>jti</c>, <c>iat</c>/<c>nbf</c>/<c>exp</c> and
    /// the <c>permissions</c> array. A negative <paramref name="lifetime"/> yields an already
    /// expired token (useful in tests).
    /// </summary>
    public static string Mint(IConfiguration configuration, IEnumerable<string> permissions, string subject = "dev", TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        var settings = AuthSettings.From(configuration);
        var key = settings.SigningKey
                  ?? throw new InvalidOperationException($"{AuthSettings.Section}:SigningKey is not configured: development tokens are signed with it.");
        var span = lifetime ?? DefaultLifetime;
        var now = DateTime.UtcNow;
        var expires = now + span;
        var notBefore = span > TimeSpan.Zero ? now : expires - TimeSpan.FromMinutes(5);

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [Grants.SubjectClaimType] = subject,
                [Grants.ClaimType] = permissions.ToArray(),
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public const string Usage = """
        usage: dev-token [--permissions P1,P2,...] [--subject NAME] [--hours H]

          --permissions  comma-separated grants (repeatable): PLATFORM_ADMIN or
                         {project_id}:PROJECT_CAN_VIEW_DEVICES / {project_id}:PROJECT_CAN_MANAGE_DEVICES
          --subject      the token's sub claim (default: dev)
          --hours        lifetime in hours (default: 12)

        Prints a bearer token signed with Auth:SigningKey to stdout.
        """;

    /// <summary>
    /// <c>dev-token --permissions P1,P2 [--subject s] [--hours h]</c> (the leading
    /// <c>dev-token</c> is optional). Prints the token to stdout; 0 on success, 2 on bad usage
    /// or configuration (message on stderr).
    /// </summary>
    public static int RunCommand(string[] args, IConfiguration configuration)
    {
        var permissions = new List<string>();
        var subject = "dev";
        var hours = DefaultLifetime.TotalHours;

        var i = args.Length > 0 && args[0] == "dev-token" ? 1 : 0;
        try
        {
            for (; i < args.Length; i++)
            {
                var (name, inline) = SplitOption(args[i]);
                switch (name)
                {
                    case "--help" or "-h":
                        Console.Out.WriteLine(Usage);
                        return 0;
                    case "--permissions" or "--permission" or "-p":
                        permissions.AddRange(Value(args, ref i, inline, name)
                            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                        break;
                    case "--subject" or "--sub" or "-s":
                        subject = Value(args, ref i, inline, name);
                        break;
                    case "--hours":
                        var text = Value(args, ref i, inline, name);
                        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out hours) || hours <= 0 || hours > 24 * 366)
                            throw new UsageException($"--hours must be a positive number of hours (at most a year), not '{text}'.");
                        break;
                    default:
                        throw new UsageException($"unknown argument '{args[i]}'.");
                }
            }

            var malformed = permissions.Where(p => !Grants.IsWellFormed(p)).ToList();
            if (malformed.Count > 0)
                throw new UsageException($"not a permission: {string.Join(", ", malformed)}.");
            if (string.IsNullOrWhiteSpace(subject))
                throw new UsageException("--subject must not be empty.");

            Console.Out.WriteLine(Mint(configuration, permissions.Distinct(), subject, TimeSpan.FromHours(hours)));
            return 0;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"dev-token: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"dev-token: {e.Message}");
            return 2;
        }
    }

    private static (string Name, string? Inline) SplitOption(string arg)
    {
        var eq = arg.IndexOf('=');
        return arg.StartsWith('-') && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }

    private static string Value(string[] args, ref int i, string? inline, string name)
    {
        if (inline is not null)
            return inline;
        if (i + 1 >= args.Length)
            throw new UsageException($"{name} needs a value.");
        return args[++i];
    }

    private sealed class UsageException(string message) : Exception(message);
}
