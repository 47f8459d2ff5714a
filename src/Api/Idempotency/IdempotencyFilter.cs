using System.IO.Pipelines;
using System.Reflection;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace EdgeSync.Api.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> support for mutations, as an endpoint filter:
/// <list type="bullet">
/// <item>Keys are scoped to (caller <c>sub</c>, <c>{project_id}</c> route value, key) and kept
/// at least 24 h (<c>Api:IdempotencyRetentionHours</c>).</item>
/// <item>The request is identified by method, path and the handler's bound arguments (body,
/// route, query, headers — not services), serialized as JSON and hashed.</item>
/// <item>Same key, same request → the stored status, body, Content-Type and Location are replayed
/// with <c>Idempotent-Replayed: true</c>. Same key, different request → 422
/// <c>idempotency_key_reused</c>. Same key while the first request still runs → 409
/// <c>idempotency_key_in_use</c>.</item>
/// <item>Fields named as secrets (<c>data.secret</c> of a device's creation or rotation) are stored
/// as null: a replay answers without them, and no secret rests in clear in the database.</item>
/// <item>Responses below 500 are stored (including 4xx outcomes of the handler); 5xx responses
/// and exceptions release the key so it can be retried. Requests rejected before the handler
/// (auth, validation) never touch the key.</item>
/// </list>
/// </summary>
public static class IdempotencyFilter
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    /// <summary>
    /// Adds Idempotency-Key handling; with <paramref name="required"/> a missing key is 400
    /// <c>validation_failed</c>. <paramref name="secretFields"/> name fields of the response's
    /// <c>data</c> that are never stored.
    /// </summary>
    public static TBuilder WithIdempotency<TBuilder>(this TBuilder builder, bool required = false, params string[] secretFields)
        where TBuilder : IEndpointConventionBuilder
        => builder
            .WithMetadata(new IdempotencyMetadata(required))
            .AddEndpointFilterFactory((context, next) => Create(context, next, required, secretFields));

    private static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next, bool required, string[] secretFields)
    {
        var hashed = HashedArguments(context);
        return async invocation =>
        {
            var http = invocation.HttpContext;
            var key = http.Request.Headers[HeaderName].ToString();
            if (string.IsNullOrEmpty(key))
                return required
                    ? ApiProblem.Validation(HeaderName, $"The {HeaderName} header is required for this request.")
                    : await next(invocation);
            if (key.Length > MaxKeyLength || key.Any(c => c < 0x21 || c > 0x7e))
                return ApiProblem.Validation(HeaderName, $"The {HeaderName} header must be 1 to {MaxKeyLength} visible ASCII characters.");

            var store = http.RequestServices.GetRequiredService<IdempotencyStore>();
            var subject = http.User.FindFirst(Grants.SubjectClaimType)?.Value ?? "";
            var project = ProjectRoute.TryGetProjectId(http, out var projectId) ? projectId.ToString() : "";
            var hash = RequestHash(invocation, hashed);

            var (outcome, record) = await store.BeginAsync(subject, project, key, hash, http.RequestAborted);
            switch (outcome)
            {
                case IdempotencyStore.Outcome.Mismatch:
                    return ApiProblem.Unprocessable(ProblemCodes.IdempotencyKeyReused,
                        $"The {HeaderName} was already used for a different request.");
                case IdempotencyStore.Outcome.InFlight:
                    return ApiProblem.Conflict(ProblemCodes.IdempotencyKeyInUse,
                        $"A request with this {HeaderName} is still being processed; retry later.");
                case IdempotencyStore.Outcome.Replay:
                    return new ReplayResult(record);
            }

            try
            {
                var result = AsResult(await next(invocation));
                var (status, contentType, location, body) = await ExecuteBufferedAsync(http, result);
                if (status < 500)
                    await store.CompleteAsync(record, status, contentType, location, WithoutSecrets(body, secretFields), CancellationToken.None);
                else
                    await store.AbandonAsync(record);
                return Results.Empty;
            }
            catch
            {
                await store.AbandonAsync(record);
                throw;
            }
        };
    }

    private static IResult AsResult(object? value) => value switch
    {
        IResult result => result,
        null => Results.Empty,
        string text => Results.Text(text),
        _ => Results.Json(value),
    };

    /// <summary>Runs the result into a buffer, copies it to the client, and returns what was written.</summary>
    private static async Task<(int Status, string? ContentType, string? Location, string Body)> ExecuteBufferedAsync(HttpContext http, IResult result)
    {
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await result.ExecuteAsync(http);
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
        }
        finally
        {
            http.Response.Body = original;
        }

        var bytes = buffer.ToArray();
        if (bytes.Length > 0)
            await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        var location = http.Response.Headers.Location.ToString();
        return (http.Response.StatusCode, http.Response.ContentType, string.IsNullOrEmpty(location) ? null : location,
            Encoding.UTF8.GetString(bytes));
    }

    /// <summary>The response body with each named field of its <c>data</c> object set to null.</summary>
    private static string WithoutSecrets(string body, string[] secretFields)
    {
        if (secretFields.Length == 0 || body.Length == 0)
            return body;
        if (JsonNode.Parse(body) is not JsonObject { } envelope || envelope["data"] is not JsonObject data)
            return body;
        foreach (var field in secretFields)
        {
            if (data.ContainsKey(field))
                data[field] = null;
        }
        return envelope.ToJsonString();
    }

    private static int[] HashedArguments(EndpointFilterFactoryContext context)
    {
        var isService = context.ApplicationServices.GetService<IServiceProviderIsService>();
        var included = new List<int>();
        var parameters = context.MethodInfo.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            var type = parameter.ParameterType;
            if (type == typeof(HttpContext) || type == typeof(HttpRequest) || type == typeof(HttpResponse)
                || type == typeof(CancellationToken) || type == typeof(ClaimsPrincipal)
                || typeof(Stream).IsAssignableFrom(type) || type == typeof(PipeReader)
                || parameter.GetCustomAttribute<FromServicesAttribute>() is not null
                || parameter.GetCustomAttribute<FromKeyedServicesAttribute>() is not null
                || isService?.IsService(type) == true)
                continue;
            included.Add(i);
        }
        return included.ToArray();
    }

    private static string RequestHash(EndpointFilterInvocationContext invocation, int[] hashed)
    {
        var http = invocation.HttpContext;
        var json = http.RequestServices.GetService<IOptions<HttpJsonOptions>>()?.Value.SerializerOptions ?? ApiJson.CreateOptions();
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hasher.AppendData(Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}\n"));
        foreach (var index in hashed)
        {
            var argument = invocation.Arguments[index];
            hasher.AppendData(argument is null ? "null"u8 : JsonSerializer.SerializeToUtf8Bytes(argument, argument.GetType(), json));
            hasher.AppendData("\n"u8);
        }
        return Convert.ToHexStringLower(hasher.GetHashAndReset());
    }

    private sealed class ReplayResult(IdempotencyRecord record) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = record.StatusCode ?? StatusCodes.Status200OK;
            response.Headers[ReplayedHeaderName] = "true";
            if (record.Location is not null)
                response.Headers.Location = record.Location;
            if (record.ContentType is not null)
                response.ContentType = record.ContentType;
            if (!string.IsNullOrEmpty(record.Body))
                await response.WriteAsync(record.Body, Encoding.UTF8, httpContext.RequestAborted);
        }
    }
}

/// <summary>Endpoint metadata: the endpoint honours (or requires) an Idempotency-Key header.</summary>
public sealed record IdempotencyMetadata(bool Required);
