using System.Net;
using System.Text;

namespace EdgeSync.Cli.Api;

/// <summary>
/// The API answered with a problem (RFC 9457). <see cref="Exception.Message"/> is the sentence an
/// operator reads; <see cref="Code"/> is the API's stable code for scripts.
/// </summary>
public sealed class ApiException(HttpStatusCode status, string code, string message)
    : CliException(message, ExitCodeFor(status))
{
    public HttpStatusCode Status { get; } = status;
    public string Code { get; } = code;

    public static ApiException From(HttpStatusCode status, string? code, string? title, string? detail, IReadOnlyDictionary<string, string[]> fieldErrors)
    {
        code ??= $"http_{(int)status}";
        var said = detail ?? title ?? status.ToString();
        var message = status switch
        {
            HttpStatusCode.Unauthorized => $"not authorized ({code}): {said} Log in again with `edgesync login`.",
            HttpStatusCode.Forbidden => $"forbidden ({code}): {said} Ask for a token with this project's permission.",
            HttpStatusCode.NotFound => $"not found ({code}): {said}",
            HttpStatusCode.Conflict => $"conflict ({code}): {said}",
            HttpStatusCode.BadRequest when fieldErrors.Count > 0 => $"invalid request ({code}):{FieldList(fieldErrors)}",
            _ when (int)status >= 500 => $"the API failed ({(int)status} {code}): {said}",
            _ => $"refused ({(int)status} {code}): {said}",
        };
        return new ApiException(status, code, message);
    }

    private static string FieldList(IReadOnlyDictionary<string, string[]> errors)
    {
        var text = new StringBuilder();
        foreach (var (field, messages) in errors)
            text.Append($"{Environment.NewLine}  {field}: {string.Join("; ", messages)}");
        return text.ToString();
    }

    private static int ExitCodeFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => CliExitCodes.NotAuthorized,
        HttpStatusCode.NotFound => CliExitCodes.NotFound,
        HttpStatusCode.Conflict => CliExitCodes.Conflict,
        _ => CliExitCodes.Failed,
    };
}
