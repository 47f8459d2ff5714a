using EdgeSync.Api.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSync.Api.Auth;

/// <summary>JWT bearer authentication (HS256 key and/or an OpenID Connect authority) and the permission policies.</summary>
internal static class AuthSetup
{
    public static IServiceCollection AddEdgeSyncAuth(this IServiceCollection services, IConfiguration configuration)
    {
        // Settings are read lazily (at first use, validated at start) so that configuration
        // added after AddEdgeSyncApi (test hosts, WebApplicationFactory) is honoured.
        // The environment's rules (development key, https metadata) are checked here too, so a
        // node refuses to start rather than fail its first requests.
        services.AddOptions<AuthSettingsHolder>()
            .Configure<IHostEnvironment>((holder, environment) =>
                holder.Settings = ForEnvironment(AuthSettings.From(configuration), environment))
            .ValidateOnStart();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthSettingsHolder>, ILoggerFactory>((options, holder, loggers) =>
            {
                Configure(options, holder.Value.Settings!);
                ConfigureAuthority(options, holder.Value.Settings!, loggers);
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(AuthorizationExtensions.ProjectViewPolicy, p => p
                .RequireAuthenticatedUser().AddRequirements(new ProjectPermissionRequirement(ProjectPermission.View)))
            .AddPolicy(AuthorizationExtensions.ProjectManagePolicy, p => p
                .RequireAuthenticatedUser().AddRequirements(new ProjectPermissionRequirement(ProjectPermission.Manage)))
            .AddPolicy(AuthorizationExtensions.PlatformAdminPolicy, p => p
                .RequireAuthenticatedUser().AddRequirements(PlatformAdminRequirement.Instance));
        services.AddSingleton<IAuthorizationHandler, ProjectPermissionHandler>();
        services.AddSingleton<IAuthorizationHandler, PlatformAdminHandler>();
        services.Replace(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>());
        return services;
    }

    private static void Configure(JwtBearerOptions options, AuthSettings settings)
    {
        options.MapInboundClaims = false;
        options.RequireHttpsMetadata = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            IssuerSigningKey = settings.SigningKey,
            ValidAlgorithms = settings.SigningKey is null ? AuthorityAlgorithms : [.. AuthorityAlgorithms, SecurityAlgorithms.HmacSha256],
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateIssuerSigningKey = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = Grants.SubjectClaimType,
            RoleClaimType = Grants.ClaimType,
        };
        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                if (string.IsNullOrEmpty(context.Principal?.FindFirst(Grants.SubjectClaimType)?.Value))
                    context.Fail("The token has no 'sub' claim.");
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var invalid = context.AuthenticateFailure is not null;
                context.Response.Headers.WWWAuthenticate = invalid ? "Bearer error=\"invalid_token\"" : "Bearer";
                await ApiProblem.Unauthorized(invalid
                        ? "The bearer token is invalid or expired."
                        : "A bearer token is required (Authorization: Bearer <JWT>).")
                    .ExecuteAsync(context.HttpContext);
            },
            OnForbidden = context => ApiProblem.Forbidden().ExecuteAsync(context.HttpContext),
        };
    }

    /// <summary>
    /// The development key rule, and <c>Auth:RequireHttpsMetadata</c> resolved (default: on
    /// outside Development) and checked against the authority's scheme.
    /// </summary>
    private static AuthSettings ForEnvironment(AuthSettings settings, IHostEnvironment environment)
    {
        DevelopmentKeyRule.Enforce(settings, environment);
        var requireHttps = settings.RequireHttpsMetadata ?? !environment.IsDevelopment();
        if (requireHttps && settings.Authority is { } authority && authority.Scheme != Uri.UriSchemeHttps)
            throw new UnsafeAuthConfigurationException(
                $"{AuthSettings.Section}:Authority must be an https URL ({AuthSettings.Section}:RequireHttpsMetadata is on; it defaults to true outside Development); it is {authority}.");
        return settings with { RequireHttpsMetadata = requireHttps };
    }

    /// <summary>What the identity provider's keys may sign with.</summary>
    private static readonly string[] AuthorityAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    /// <summary>
    /// <c>Auth:Authority</c>: keys and issuer come from the provider's discovery document, through
    /// <see cref="IdentityProviderKeys"/> (the handler then accepts those keys and that issuer next
    /// to the HS256 key and <c>Auth:Issuer</c>, when configured).
    /// </summary>
    private static void ConfigureAuthority(JwtBearerOptions options, AuthSettings settings, ILoggerFactory loggers)
    {
        if (settings.Authority is null)
            return;
        var requireHttps = settings.RequireHttpsMetadata ?? true;
        options.RequireHttpsMetadata = requireHttps;
        options.MetadataAddress = settings.DiscoveryAddress!.AbsoluteUri;
        options.ConfigurationManager = new IdentityProviderKeys(settings, requireHttps, TimeProvider.System, loggers.CreateLogger<IdentityProviderKeys>());
    }

    /// <summary>Options wrapper so settings are parsed once and validated at start.</summary>
    internal sealed class AuthSettingsHolder
    {
        public AuthSettings? Settings { get; set; }
    }
}
