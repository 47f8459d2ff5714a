using EdgeSync.Registry;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSync.Api.Auth;

/// <summary>The caller needs <see cref="Permission"/> on the project of the <c>{project_id}</c> route value.</summary>
public sealed record ProjectPermissionRequirement(ProjectPermission Permission) : IAuthorizationRequirement;

/// <summary>
/// Checks the grant first (no grant → 403, whether or not the project exists), then that the
/// project exists (→ 404 <c>project_not_found</c>). The existence lookup is done once per request.
/// </summary>
internal sealed class ProjectPermissionHandler : AuthorizationHandler<ProjectPermissionRequirement>
{
    private const string ExistsItemKey = "EdgeSync.Api.Auth.ProjectExists";

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ProjectPermissionRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated != true || context.Resource is not HttpContext httpContext)
            return;

        if (!ProjectRoute.TryGetProjectId(httpContext, out var projectId))
        {
            context.Fail(new AuthorizationFailureReason(this, AuthorizationReasons.ProjectNotFound));
            return;
        }

        if (!context.User.HasProjectPermission(projectId, requirement.Permission))
        {
            context.Fail(new AuthorizationFailureReason(this, AuthorizationReasons.MissingGrant(Grants.NameOf(requirement.Permission), projectId)));
            return;
        }

        if (!await ExistsAsync(httpContext, projectId))
        {
            context.Fail(new AuthorizationFailureReason(this, AuthorizationReasons.ProjectNotFound));
            return;
        }

        context.Succeed(requirement);
    }

    private static async Task<bool> ExistsAsync(HttpContext httpContext, Guid projectId)
    {
        var key = $"{ExistsItemKey}:{projectId}";
        if (httpContext.Items.TryGetValue(key, out var cached) && cached is bool known)
            return known;
        var session = httpContext.RequestServices.GetRequiredService<IQuerySession>();
        var exists = await session.Query<Project>().AnyAsync(p => p.Id == projectId, httpContext.RequestAborted);
        httpContext.Items[key] = exists;
        return exists;
    }
}

/// <summary>The caller needs the global <c>PLATFORM_ADMIN</c> grant.</summary>
public sealed class PlatformAdminRequirement : IAuthorizationRequirement
{
    public static readonly PlatformAdminRequirement Instance = new();
}

internal sealed class PlatformAdminHandler : AuthorizationHandler<PlatformAdminRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PlatformAdminRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated != true)
            return Task.CompletedTask;
        if (context.User.IsPlatformAdmin())
            context.Succeed(requirement);
        else
            context.Fail(new AuthorizationFailureReason(this, AuthorizationReasons.MissingGrant(Grants.PlatformAdmin, null)));
        return Task.CompletedTask;
    }
}

internal static class AuthorizationReasons
{
    public const string ProjectNotFound = "project_not_found";
    public const string MissingGrantPrefix = "missing_grant:";

    public static string MissingGrant(string permission, Guid? projectId)
        => projectId is { } id
            ? $"{MissingGrantPrefix}The token does not grant {permission} on project {id}."
            : $"{MissingGrantPrefix}The token does not grant {permission}.";
}
