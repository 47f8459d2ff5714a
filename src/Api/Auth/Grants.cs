using System.Security.Claims;

namespace EdgeSync.Api.Auth;

/// <summary>
/// The <c>permissions</c> claim: <c>"{project_id}:{PERMISSION}"</c> grants and the global
/// <c>PLATFORM_ADMIN</c>.
/// </summary>
public static class Grants
{
    public const string ClaimType = "permissions";
    public const string SubjectClaimType = "sub";
    public const string PlatformAdmin = "PLATFORM_ADMIN";
    public const string ViewDevices = "PROJECT_CAN_VIEW_DEVICES";
    public const string ManageDevices = "PROJECT_CAN_MANAGE_DEVICES";

    public static string NameOf(ProjectPermission permission) => permission switch
    {
        ProjectPermission.View => ViewDevices,
        ProjectPermission.Manage => ManageDevices,
        _ => throw new ArgumentOutOfRangeException(nameof(permission)),
    };

    /// <summary>The grant string, e.g. <c>0198…:PROJECT_CAN_MANAGE_DEVICES</c>.</summary>
    public static string For(Guid projectId, ProjectPermission permission) => $"{projectId}:{NameOf(permission)}";

    /// <summary>True for <c>PLATFORM_ADMIN</c> or a well-formed project grant.</summary>
    public static bool IsWellFormed(string grant)
        => grant == PlatformAdmin || TryParse(grant, out _, out _);

    public static bool TryParse(string grant, out Guid projectId, out ProjectPermission permission)
    {
        projectId = Guid.Empty;
        permission = default;
        var colon = grant.LastIndexOf(':');
        if (colon <= 0 || !Guid.TryParse(grant.AsSpan(0, colon), out projectId))
            return false;
        switch (grant[(colon + 1)..])
        {
            case ViewDevices: permission = ProjectPermission.View; return true;
            case ManageDevices: permission = ProjectPermission.Manage; return true;
            default: return false;
        }
    }

    public static bool IsPlatformAdmin(this ClaimsPrincipal user)
        => user.HasClaim(ClaimType, PlatformAdmin);

    /// <summary>Whether the caller holds <paramref name="permission"/> on the project (Manage implies View; PLATFORM_ADMIN implies all).</summary>
    public static bool HasProjectPermission(this ClaimsPrincipal user, Guid projectId, ProjectPermission permission)
    {
        foreach (var claim in user.FindAll(ClaimType))
        {
            if (claim.Value == PlatformAdmin)
                return true;
            if (TryParse(claim.Value, out var granted, out var held) && granted == projectId
                && (held == permission || held == ProjectPermission.Manage))
                return true;
        }
        return false;
    }

    /// <summary>The caller's <c>sub</c> claim (every accepted token has one).</summary>
    public static string GetSubject(this ClaimsPrincipal user)
        => user.FindFirst(SubjectClaimType)?.Value
           ?? throw new InvalidOperationException("The caller is not authenticated or its token has no 'sub' claim.");
}
