using EdgeSync.Api.Http;
using EdgeSync.Uploads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EdgeSync.Api.Uploads;

/// <summary>
/// <c>PUT /core/api/v1/uploads/{token}</c>: where a device stores the object of a granted upload.
/// No bearer token: the signed token in the path is the credential, and names the one upload it
/// is good for. The body is streamed into PostgreSQL chunk by chunk, never held whole.
/// </summary>
public static class UploadEndpoints
{
    public const string TokenInvalid = "upload_token_invalid";
    public const string Expired = "upload_expired";
    public const string AlreadyUsed = "upload_already_used";
    public const string TooLarge = "upload_too_large";
    public const string NotZstd = "upload_not_zstd";

    public static IEndpointRouteBuilder MapUploadEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPut($"{ApiRoutes.BasePath}/uploads/{{token}}", Put)
            .AllowAnonymous()
            .WithTags("Uploads")
            .WithName("storeUpload")
            .WithSummary("Store the object of a granted upload; the signed token in the path is the credential")
            .Produces<ApiEnvelope<UploadStored>>()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .Accepts<Stream>("application/zstd", "application/octet-stream")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<IResult> Put(
        [FromRoute] string token, HttpContext context, UploadTokens tokens, UploadStore store, IOptions<UploadOptions> options, TimeProvider clock,
        CancellationToken ct)
    {
        if (await tokens.VerifyAsync(token, ct) is not { } claims)
            return ApiProblem.Create(StatusCodes.Status403Forbidden, TokenInvalid, "The upload URL is not one this service granted (tampered, unsigned or malformed).");
        if (claims.ExpiresAt <= clock.GetUtcNow())
            return Gone(claims);
        var max = options.Value.MaxObjectBytes;
        if (context.Request.ContentLength > max)
            return TooLargeProblem(max);
        // This endpoint counts the bytes itself (refusing beyond the limit, keeping nothing): Kestrel's
        // own limit, meant for the API's small JSON bodies, is lifted for it alone.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;

        var (outcome, bytes) = await store.StoreObjectAsync(claims, context.Request.Body, max, ct);
        return outcome switch
        {
            StoreOutcome.Stored => ApiResponse.Ok(new UploadStored(claims.UploadId, bytes)),
            StoreOutcome.Unknown or StoreOutcome.Expired => Gone(claims),
            StoreOutcome.AlreadyUsed => ApiProblem.Conflict(AlreadyUsed, $"Upload {claims.UploadId} has stored its object already; a granted URL is good for one object."),
            StoreOutcome.TooLarge => TooLargeProblem(max),
            _ => ApiProblem.BadRequest(NotZstd, "The object does not start with a zstd frame; upload one zstd-compressed JSONL object."),
        };
    }

    private static IResult Gone(UploadClaims claims) =>
        ApiProblem.Create(StatusCodes.Status410Gone, Expired, $"Upload {claims.UploadId} expired at {claims.ExpiresAt:O} (or its lineage is gone); ask for a new URL.");

    private static IResult TooLargeProblem(long max) =>
        ApiProblem.Create(StatusCodes.Status413PayloadTooLarge, TooLarge, $"The object is larger than {max} bytes, the most an upload may store.");

    internal sealed record UploadStored(Guid UploadId, long Bytes);
}
