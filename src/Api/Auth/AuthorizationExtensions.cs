using Microsoft.AspNetCore.Builder;

namespace EdgeSync.Api.Auth;

/// <summary>Permission requirements for endpoints and route groups.</summary>
public static class AuthorizationExtensions
{
    public const string ProjectViewPolicy = "edgesync:project:view";
    public const string ProjectManagePolicy = "edgesync:project:manage";
    public const string PlatformAdminPolicy = "edgesync:platform-admin";

    public static string PolicyFor(ProjectPermission permission) => permission switch
    {
        ProjectPermission.View => ProjectViewPolicy,
        ProjectPermission.Manage => ProjectManagePolicy,
        _ => throw new ArgumentOutOfRangeException(nameof(permission)),
    };

    /// <summary>
    /// Requires <paramref name="permission"/> on the project named by the <c>{project_id}</c>
    /// route value. No/invalid token → 401; no grant → 403; granted but the project does not
    /// exist → 404 <c>project_not_found</c>. Stack it: a View group with Manage endpoints.
    /// </summary>
    public static TBuilder RequireProjectPermission<TBuilder>(this TBuilder builder, ProjectPermission permission)
        where TBuilder : IEndpointConventionBuilder
        => builder.RequireAuthorization(PolicyFor(permission))
            .WithMetadata(new RequiredGrantMetadata(Grants.NameOf(permission)));

    /// <summary>Requires the global <c>PLATFORM_ADMIN</c> grant.</summary>
    public static TBuilder RequirePlatformAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.RequireAuthorization(PlatformAdminPolicy)
            .WithMetadata(new RequiredGrantMetadata(Grants.PlatformAdmin));
}

/// <summary>Endpoint metadata naming a grant the endpoint requires (shown in the OpenAPI document).</summary>
public sealed record RequiredGrantMetadata(string Grant);
