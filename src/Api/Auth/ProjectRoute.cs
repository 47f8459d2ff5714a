using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api.Auth;

/// <summary>The <c>{project_id}</c> route value of project-scoped endpoints.</summary>
public static class ProjectRoute
{
    public const string ParameterName = "project_id";

    public static bool TryGetProjectId(HttpContext httpContext, out Guid projectId)
    {
        projectId = Guid.Empty;
        return httpContext.Request.RouteValues.TryGetValue(ParameterName, out var value)
               && value is not null
               && Guid.TryParse(value.ToString(), out projectId);
    }
}
