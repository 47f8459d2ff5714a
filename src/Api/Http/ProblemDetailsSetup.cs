using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api.Http;

/// <summary>
/// Applied to every problem the host writes (results, exception handler, status code pages,
/// authentication): guarantees a <c>code</c>, snake_case extension names, and no exception
/// details on unhandled errors.
/// </summary>
internal static class ProblemDetailsSetup
{
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Status ??= status;

        if (context.Exception is not null && status >= 500)
        {
            // Unhandled exception: never leak a message or stack trace.
            problem.Title = "An unexpected error occurred.";
            problem.Detail = "The server failed to process the request; quote trace_id when reporting it.";
            problem.Extensions.Remove("exception");
            problem.Extensions[ApiProblem.CodeKey] = ProblemCodes.InternalError;
        }

        if (!problem.Extensions.ContainsKey(ApiProblem.CodeKey))
            problem.Extensions[ApiProblem.CodeKey] = ProblemCodes.ForStatus(status);

        Rename(problem.Extensions, "traceId", "trace_id");
        Rename(problem.Extensions, "requestId", "request_id");
    }

    private static void Rename(IDictionary<string, object?> extensions, string from, string to)
    {
        if (extensions.Remove(from, out var value))
            extensions[to] = value;
    }
}
