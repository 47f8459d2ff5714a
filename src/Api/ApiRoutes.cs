using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api;

public static class ApiRoutes
{
    /// <summary>Base path of every API endpoint (below the configured path base).</summary>
    public const string BasePath = "/core/api/v1";

    /// <summary>Client-facing path of an API resource, honouring the path base (and X-Forwarded-Prefix).</summary>
    public static string Url(HttpContext httpContext, string relative)
        => $"{httpContext.Request.PathBase}{BasePath}{relative}";
}
