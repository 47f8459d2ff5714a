using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api.Auth;

/// <summary>
/// A signed-in browser opening a page it may not see gets an HTML 403 page; everything else is
/// answered as the API answers it (<see cref="ApiAuthorizationResultHandler"/>).
/// </summary>
internal sealed class BrowserAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly ApiAuthorizationResultHandler _api = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && BrowserRequests.IsNavigation(context))
        {
            await BrowserPages.ForbiddenAsync(context);
            return;
        }
        await _api.HandleAsync(next, context, policy, authorizeResult);
    }
}
