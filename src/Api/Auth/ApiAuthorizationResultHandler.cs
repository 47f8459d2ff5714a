using EdgeSync.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api.Auth;

/// <summary>
/// Writes authorization failures as problems: a missing grant → 403 <c>forbidden</c>; a granted
/// caller on a project that does not exist → 404 <c>project_not_found</c>. Challenges (no or
/// invalid token) go to the JWT handler, which answers 401 <c>unauthorized</c>.
/// </summary>
internal sealed class ApiAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).ToList() ?? [];
            var missing = reasons.FirstOrDefault(r => r.StartsWith(AuthorizationReasons.MissingGrantPrefix, StringComparison.Ordinal));
            if (missing is null && reasons.Contains(AuthorizationReasons.ProjectNotFound))
            {
                var id = context.Request.RouteValues.TryGetValue(ProjectRoute.ParameterName, out var value) ? value : null;
                await ApiProblem.NotFound(ProblemCodes.ProjectNotFound, $"Project {id} does not exist.").ExecuteAsync(context);
                return;
            }
            await ApiProblem.Forbidden(missing?[AuthorizationReasons.MissingGrantPrefix.Length..]
                                       ?? "The token does not grant this operation.").ExecuteAsync(context);
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
