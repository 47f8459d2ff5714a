using System.Security.Claims;
using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Api.Idempotency;
using EdgeSync.Fleets;
using EdgeSync.Lineages;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Api.Edge;

public static class ReviewEndpoints
{
    public static RouteGroupBuilder MapReviewEndpoints(this RouteGroupBuilder edge)
    {
        edge.MapGet("/schema-reviews", List)
            .WithName("listSchemaReviews")
            .WithSummary("List schema reviews, filtered by state, lineage or device; oldest first")
            .Produces<ApiPage<SchemaReviewView>>();
        edge.MapGet("/schema-reviews/{review_id:guid}", Get)
            .WithName("getSchemaReview")
            .WithSummary("Get a schema review with the proposed and accepted schemas and their difference")
            .Produces<ApiEnvelope<SchemaReviewDetail>>();

        var manage = edge.MapGroup("/schema-reviews/{review_id:guid}")
            .RequireProjectPermission(ProjectPermission.Manage)
            .WithIdempotency(required: true)
            .ProducesProblem(StatusCodes.Status409Conflict);
        manage.MapPost("/claim", Claim)
            .WithName("claimSchemaReview")
            .WithSummary("Claim a queued review (it moves to in_review)")
            .Produces<ApiEnvelope<SchemaReviewDetail>>();
        manage.MapPost("/approve", Approve)
            .WithName("approveSchemaReview")
            .WithSummary("Approve a review with column bindings; scope project records a registry decision for every device")
            .WithDescription("With `scope: \"lineage\"` the answer is the review as it is afterwards. With `scope: \"project\"` it is the "
                             + "registry decision with the reviews it approved, as recordRegistryDecision answers (202 when the fan-out "
                             + "is finished in the background).")
            .Produces<ApiEnvelope<SchemaReviewDetail>>()
            .Produces<ApiEnvelope<FleetApprovalView>>(StatusCodes.Status202Accepted);
        manage.MapPost("/reject", Reject)
            .WithName("rejectSchemaReview")
            .WithSummary("Reject a review; the lineage stays paused")
            .Produces<ApiEnvelope<SchemaReviewDetail>>();
        return edge;
    }

    private static async Task<IResult> List(
        [FromRoute(Name = "project_id")] Guid projectId, Paging paging, IQuerySession session,
        [FromQuery] string? status, [FromQuery(Name = "lineage_id")] Guid? lineageId, [FromQuery(Name = "device_id")] Guid? deviceId,
        CancellationToken ct)
    {
        var query = session.Query<SchemaReview>().Where(r => r.ProjectId == projectId);
        if (!string.IsNullOrEmpty(status))
            query = query.Where(r => r.State == status);
        if (lineageId is { } lineage)
            query = query.Where(r => r.LineageId == lineage);
        if (deviceId is { } device)
            query = query.Where(r => r.DeviceId == device);
        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(r => r.QueuedAt).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return ApiResponse.Page(items.Select(SchemaReviewView.From).ToList(), paging, total);
    }

    private static async Task<IResult> Get(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "review_id")] Guid reviewId, IQuerySession session, CancellationToken ct)
    {
        var (review, lineage) = await LoadAsync(session, projectId, reviewId, ct);
        return review is null || lineage is null ? NotFound(reviewId) : ApiResponse.Ok(SchemaReviewDetail.From(review, lineage));
    }

    private static Task<IResult> Claim(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "review_id")] Guid reviewId,
        ClaimsPrincipal user, IQuerySession session, [FromServices] IGrainFactory grains, CancellationToken ct) =>
        SendAsync(projectId, reviewId, session, grains, grain => grain.ClaimReview(new ClaimReview(reviewId, Actor(user))), ct);

    /// <summary>With <c>scope: "project"</c> a fleet approval: a registry decision for the review's schema, carried to every open review of it.</summary>
    private static async Task<IResult> Approve(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "review_id")] Guid reviewId, ApproveReviewRequest body,
        ClaimsPrincipal user, IQuerySession session, [FromServices] IGrainFactory grains, [FromServices] RegistryStore registry, [FromServices] RegistryFanOut fanOut,
        ILoggerFactory logs, CancellationToken ct)
    {
        if (!body.ForProject)
            return await SendAsync(projectId, reviewId, session, grains, grain => grain.ApproveReview(body.ToCommand(reviewId, Actor(user))), ct);
        var (review, _) = await LoadAsync(session, projectId, reviewId, ct);
        if (review is null)
            return NotFound(reviewId);
        return await RegistryEndpoints.DecideAsync(projectId, body.ToDecision(review, Actor(user)), grains, registry, fanOut, logs);
    }

    private static Task<IResult> Reject(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "review_id")] Guid reviewId, RejectReviewRequest body,
        ClaimsPrincipal user, IQuerySession session, [FromServices] IGrainFactory grains, CancellationToken ct) =>
        SendAsync(projectId, reviewId, session, grains, grain => grain.RejectReview(new RejectReview(reviewId, body.ActionVersion!.Value, body.Reason, Actor(user))), ct);

    /// <summary>Routes a review command to the grain of the review's lineage and answers with the review as it is afterwards.</summary>
    private static async Task<IResult> SendAsync(
        Guid projectId, Guid reviewId, IQuerySession session, [FromServices] IGrainFactory grains, Func<ILineageGrain, Task<CommandResult>> send, CancellationToken ct)
    {
        var (review, lineage) = await LoadAsync(session, projectId, reviewId, ct);
        if (review is null || lineage is null)
            return NotFound(reviewId);
        var result = await send(grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(lineage.DeviceId, lineage.SourceTable)));
        if (!result.Succeeded)
            return ApiProblem.Create(result.Status, result.Code!, result.Detail);
        var (after, lineageAfter) = await LoadAsync(session, projectId, reviewId, ct);
        return ApiResponse.Ok(SchemaReviewDetail.From(after!, lineageAfter!));
    }

    private static async Task<(SchemaReview?, LineageView?)> LoadAsync(IQuerySession session, Guid projectId, Guid reviewId, CancellationToken ct)
    {
        var review = await session.LoadAsync<SchemaReview>(reviewId, ct);
        if (review is null || review.ProjectId != projectId)
            return (null, null);
        return (review, await session.LoadAsync<LineageView>(review.LineageId, ct));
    }

    private static string Actor(ClaimsPrincipal user) => $"operator:{user.GetSubject()}";

    private static IResult NotFound(Guid reviewId) =>
        ApiProblem.NotFound("review_not_found", $"Schema review {reviewId} does not exist in this project.");
}
