namespace EdgeSync.Api.Http;

/// <summary>Stable <c>code</c> values of the API's problem details.</summary>
public static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string PayloadTooLarge = "payload_too_large";
    public const string BadRequest = "bad_request";
    public const string Conflict = "conflict";
    public const string InternalError = "internal_error";
    public const string ProjectNotFound = "project_not_found";
    public const string DeviceNotFound = "device_not_found";
    public const string DeviceNameTaken = "device_name_taken";
    public const string TopicSlugTaken = "topic_slug_taken";
    public const string BrokerUnavailable = "broker_unavailable";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";
    public const string RateLimited = "rate_limited";

    /// <summary>The code used when a problem carries none of its own.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => "unprocessable",
        429 => RateLimited,
        >= 500 => InternalError,
        _ => "error",
    };
}
