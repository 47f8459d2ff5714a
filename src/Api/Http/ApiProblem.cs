using FluentValidation.Results;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EdgeSync.Api.Http;

/// <summary>
/// RFC 9457 problem details with the API's stable <c>code</c> extension. Every helper returns a
/// <see cref="ProblemHttpResult"/>, so handlers can declare
/// <c>Results&lt;Ok&lt;ApiEnvelope&lt;T&gt;&gt;, ProblemHttpResult&gt;</c>.
/// </summary>
public static class ApiProblem
{
    public const string CodeKey = "code";

    public static ProblemHttpResult Create(int status, string code, string? detail = null, string? title = null,
        IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions[CodeKey] = code;
        if (extensions is not null)
            foreach (var (key, value) in extensions)
                problem.Extensions[key] = value;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult BadRequest(string code, string detail) => Create(StatusCodes.Status400BadRequest, code, detail);

    public static ProblemHttpResult NotFound(string code, string detail) => Create(StatusCodes.Status404NotFound, code, detail);

    public static ProblemHttpResult Conflict(string code, string detail) => Create(StatusCodes.Status409Conflict, code, detail);

    public static ProblemHttpResult Unprocessable(string code, string detail) => Create(StatusCodes.Status422UnprocessableEntity, code, detail);

    public static ProblemHttpResult Unauthorized(string detail = "A valid bearer token is required.")
        => Create(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized, detail);

    public static ProblemHttpResult Forbidden(string detail = "The token does not grant this operation.")
        => Create(StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, detail);

    /// <summary>400 <c>validation_failed</c> listing every failing field (snake_case paths).</summary>
    public static ProblemHttpResult Validation(ValidationResult result) => Validation(result.Errors);

    /// <inheritdoc cref="Validation(ValidationResult)"/>
    public static ProblemHttpResult Validation(IEnumerable<ValidationFailure> failures)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var failure in failures)
        {
            var field = string.IsNullOrEmpty(failure.PropertyName) ? "body" : ApiJson.ToSnakeCasePath(failure.PropertyName);
            if (!errors.TryGetValue(field, out var messages))
                errors[field] = messages = [];
            if (!messages.Contains(failure.ErrorMessage))
                messages.Add(failure.ErrorMessage);
        }
        return Validation(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
    }

    /// <summary>400 <c>validation_failed</c> with an explicit field → messages map.</summary>
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors, string? detail = null)
    {
        var problem = new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "One or more fields are invalid.",
            Detail = detail ?? "The request is invalid; see errors for every failing field.",
        };
        problem.Extensions[CodeKey] = ProblemCodes.ValidationFailed;
        return TypedResults.Problem(problem);
    }

    /// <summary>400 <c>validation_failed</c> for a single field.</summary>
    public static ProblemHttpResult Validation(string field, string message)
        => Validation(new Dictionary<string, string[]> { [field] = [message] });
}
