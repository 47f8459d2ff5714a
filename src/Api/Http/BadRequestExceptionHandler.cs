using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api.Http;

/// <summary>
/// Turns request binding failures (malformed JSON, missing body, unparsable route or query
/// values) into the same 400 <c>validation_failed</c> problem that validators produce.
/// Binding always throws (RouteHandlerOptions.ThrowOnBadRequest) so this runs in every
/// environment.
/// </summary>
internal sealed partial class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
            return false;

        var result = bad.StatusCode switch
        {
            StatusCodes.Status400BadRequest => ApiProblem.Validation(ErrorsOf(bad)),
            StatusCodes.Status415UnsupportedMediaType => ApiProblem.Create(bad.StatusCode, ProblemCodes.UnsupportedMediaType,
                "The request body must be application/json."),
            StatusCodes.Status413PayloadTooLarge => ApiProblem.Create(bad.StatusCode, ProblemCodes.PayloadTooLarge,
                "The request body is too large."),
            _ => ApiProblem.Create(bad.StatusCode, ProblemCodes.ForStatus(bad.StatusCode), "The request could not be read."),
        };
        await result.ExecuteAsync(httpContext);
        return true;
    }

    private static Dictionary<string, string[]> ErrorsOf(BadHttpRequestException exception)
    {
        if (FindJsonException(exception) is { } json)
        {
            var path = json.Path;
            var field = string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
            return new() { [field] = [field == "body" ? "The request body is not valid JSON." : "The value has the wrong type or format."] };
        }

        var message = exception.Message;
        if (message.Contains("body", StringComparison.OrdinalIgnoreCase))
            return new() { ["body"] = ["A JSON request body is required."] };

        var parameter = ParameterName().Match(message);
        var name = parameter.Success ? ApiJson.ToSnakeCase(parameter.Groups["name"].Value) : "request";
        if (message.StartsWith("Required parameter", StringComparison.Ordinal))
            return new() { [name] = ["A value is required."] };
        return new() { [name] = ["The value has the wrong type or format."] };
    }

    private static JsonException? FindJsonException(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
            if (exception is JsonException json)
                return json;
        return null;
    }

    // e.g. Failed to bind parameter "int page" from "abc".
    [GeneratedRegex("parameter \"(?:[^\" ]+ )?(?<name>[^\" ]+)\"")]
    private static partial Regex ParameterName();
}
