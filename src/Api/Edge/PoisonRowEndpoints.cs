using System.Security.Claims;
using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Api.Idempotency;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Edge;

/// <summary>
/// An operator's way out of rows no mirror can take (docs/lineage.md, "Poison rows"): discard
/// staged rows into the quarantine, list it, and stage rows from it again. The commands go to
/// the grain that owns the lineage, like every lineage command.
/// </summary>
public static class PoisonRowEndpoints
{
    public static RouteGroupBuilder MapPoisonRowEndpoints(this RouteGroupBuilder edge)
    {
        edge.MapGet("/lineages/{lineage_id:guid}/quarantined-rows", List)
            .WithName("listQuarantinedRows")
            .Produces<ApiPage<QuarantinedRowView>>()
            .WithSummary("Rows discarded by an operator or set aside by the policy, with the error they met, who moved them and when; oldest first");
        var manage = edge.MapGroup("/lineages/{lineage_id:guid}")
            .RequireProjectPermission(ProjectPermission.Manage)
            .WithIdempotency(required: true);
        manage.MapPost("/staged-rows/discard", Discard)
            .WithName("discardStagedRows")
            .Produces<ApiEnvelope<DiscardStagedRowsResponse>>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Move staged rows of one journal epoch to the quarantine; the backlog behind them can drain (a tripped breaker still needs its reset)");
        manage.MapPost("/quarantined-rows/requeue", Requeue)
            .WithName("requeueQuarantinedRows")
            .Produces<ApiEnvelope<RequeueQuarantinedRowsResponse>>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Stage quarantined rows of one journal epoch again; they are replayed like any backlog");
        return edge;
    }

    private static async Task<IResult> List(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, Paging paging,
        IQuerySession session, QuarantinedRows quarantine, CancellationToken ct)
    {
        if (await LineageEndpoints.LoadAsync(session, projectId, lineageId, ct) is null)
            return LineageEndpoints.NotFound();
        var (rows, total) = await quarantine.PageAsync(lineageId, paging.Page, paging.Limit, ct);
        return ApiResponse.Page(rows.Select(QuarantinedRowView.From).ToList(), paging, total);
    }

    private static async Task<IResult> Discard(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, DiscardStagedRowsRequest body,
        ClaimsPrincipal user, IQuerySession session, [FromServices] IGrainFactory grains, CancellationToken ct)
    {
        if (await LineageEndpoints.LoadAsync(session, projectId, lineageId, ct) is not { } lineage)
            return LineageEndpoints.NotFound();
        var moved = await Grain(grains, lineage).DiscardStagedRows(
            new DiscardStagedRows(lineageId, body.JournalEpoch!.Value, body.CommitSeqs!, body.Reason, Actor(user)));
        if (!moved.Result.Succeeded)
            return ApiProblem.Create(moved.Result.Status, moved.Result.Code!, moved.Result.Detail);
        var after = await session.LoadAsync<LineageView>(lineageId, ct) ?? lineage;
        return ApiResponse.Ok(new DiscardStagedRowsResponse(lineageId, moved.Moved, moved.AlreadyThere, moved.NotFound, after.Status, after.Counters.StagedRowCount));
    }

    private static async Task<IResult> Requeue(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, RequeueQuarantinedRowsRequest body,
        ClaimsPrincipal user, IQuerySession session, [FromServices] IGrainFactory grains, CancellationToken ct)
    {
        if (await LineageEndpoints.LoadAsync(session, projectId, lineageId, ct) is not { } lineage)
            return LineageEndpoints.NotFound();
        var moved = await Grain(grains, lineage).RequeueQuarantinedRows(
            new RequeueQuarantinedRows(lineageId, body.JournalEpoch!.Value, body.CommitSeqs!, Actor(user)));
        if (!moved.Result.Succeeded)
            return ApiProblem.Create(moved.Result.Status, moved.Result.Code!, moved.Result.Detail);
        var after = await session.LoadAsync<LineageView>(lineageId, ct) ?? lineage;
        return ApiResponse.Ok(new RequeueQuarantinedRowsResponse(lineageId, moved.Moved, moved.AlreadyThere, moved.NotFound, after.Status, after.Counters.StagedRowCount));
    }

    private static ILineageGrain Grain(IGrainFactory grains, LineageView lineage) =>
        grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(lineage.DeviceId, lineage.SourceTable));

    private static string Actor(ClaimsPrincipal user) => $"operator:{user.GetSubject()}";
}
