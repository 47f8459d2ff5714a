using EdgeSync.Api.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSync.Api.Auth;

/// <summary>JWT bearer (HS256) authentication and the permission policies.</summary>
internal static class AuthSetup
{
    public static IServiceCollection AddEdgeSyncAuth(this IServiceCollection services, IConfiguration configuration)
    {
        // Settings are read lazily (at first use, validated at start) so that configuration
        // added after AddEdgeSyncApi (test hosts, WebApplicationFactory) is honoured.
        services.AddOptions<AuthSettingsHolder>()
            .Configure(holder => holder.Settings = AuthSettings.From(configuration))
            .ValidateOnStart();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthSettingsHolder>>((options, holder) => Configure(options, holder.Value.Settings!));

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
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
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

    /// <summary>Options wrapper so settings are parsed once and validated at start.</summary>
    internal sealed class AuthSettingsHolder
    {
        public AuthSettings? Settings { get; set; }
    }
}
