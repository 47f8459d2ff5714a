using System.Security.Claims;
using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Api.Idempotency;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Edge;

/// <summary>POST …/lineages/{lineage_id}/pause body.</summary>
public sealed record PauseLineageRequest(string? Reason);

public sealed class PauseLineageRequestValidator : AbstractValidator<PauseLineageRequest>
{
    public PauseLineageRequestValidator() => RuleFor(r => r.Reason).MaximumLength(500).Storable();
}

/// <summary>The answer of reset-materialization (docs/http-api.md).</summary>
public sealed record ResetResponse(Guid LineageId, bool Resumed, string Status, long StagedRowCount);

public sealed record DeletedResponse(Guid LineageId);

/// <summary>Operator commands on one lineage; each goes to the grain that owns it.</summary>
public static class LineageCommandEndpoints
{
    public static RouteGroupBuilder MapLineageCommandEndpoints(this RouteGroupBuilder edge)
    {
        var manage = edge.MapGroup("/lineages/{lineage_id:guid}")
            .RequireProjectPermission(ProjectPermission.Manage)
            .WithIdempotency(required: true)
            .ProducesProblem(StatusCodes.Status409Conflict);
        manage.MapPost("/pause", Pause)
            .WithName("pauseLineage")
            .WithSummary("Pause a lineage: its rows are staged and its device is asked to pause")
            .Produces<ApiEnvelope<LineageSummary>>();
        manage.MapPost("/resume", Resume)
            .WithName("resumeLineage")
            .WithSummary("Resume a lineage an operator paused")
            .Produces<ApiEnvelope<LineageSummary>>();
        manage.MapPost("/reset-materialization", Reset)
            .WithName("resetMaterialization")
            .WithSummary("Reset a tripped circuit breaker and replay the staged rows")
            .Produces<ApiEnvelope<ResetResponse>>();
        manage.MapDelete("", Delete)
            .WithName("deleteLineage")
            .WithSummary("Delete a lineage with its staged rows (the mirror table stays)")
            .Produces<ApiEnvelope<DeletedResponse>>();
        return edge;
    }

    private static Task<IResult> Pause(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, PauseLineageRequest? body,
        ClaimsPrincipal user, IQuerySession session, [FromServices] IGrainFactory grains, CancellationToken ct) =>
        SendAsync(projectId, lineageId, session, grains, grain => grain.PauseLineage(new PauseLineage(lineageId, body?.Reason, Actor(user))),
            lineage => ApiResponse.Ok(LineageSummary.From(lineage)), ct);

    private static Task<IResult> Resume(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId,
        ClaimsPrincipal user, IQuerySession session, [FromServices] IGrainFactory grains, CancellationToken ct) =>
        SendAsync(projectId, lineageId, session, grains, grain => grain.ResumeLineage(new ResumeLineage(lineageId, Actor(user))),
            lineage => ApiResponse.Ok(LineageSummary.From(lineage)), ct);

    private static Task<IResult> Reset(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId,
        ClaimsPrincipal user, IQuerySession session, [FromServices] IGrainFactory grains, CancellationToken ct) =>
        SendAsync(projectId, lineageId, session, grains, grain => grain.ResetMaterialization(new ResetMaterialization(lineageId, Actor(user))),
            lineage => ApiResponse.Ok(new ResetResponse(lineage.Id, lineage.Status == EnumNames.Of(LineageStatus.Active), lineage.Status, lineage.Counters.StagedRowCount)), ct);

    private static Task<IResult> Delete(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, [FromQuery(Name = "drop_mirror")] bool? dropMirror,
        ClaimsPrincipal user, IQuerySession session, [FromServices] IGrainFactory grains, CancellationToken ct) =>
        SendAsync(projectId, lineageId, session, grains, grain => grain.DeleteLineage(new DeleteLineage(lineageId, dropMirror ?? false, Actor(user))),
            _ => ApiResponse.Ok(new DeletedResponse(lineageId)), ct);

    private static async Task<IResult> SendAsync(
        Guid projectId, Guid lineageId, IQuerySession session, IGrainFactory grains,
        Func<ILineageGrain, Task<CommandResult>> send, Func<LineageView, IResult> answer, CancellationToken ct)
    {
        if (await LineageEndpoints.LoadAsync(session, projectId, lineageId, ct) is not { } lineage)
            return LineageEndpoints.NotFound();
        var result = await send(grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(lineage.DeviceId, lineage.SourceTable)));
        if (!result.Succeeded)
            return ApiProblem.Create(result.Status, result.Code!, result.Detail);
        return answer(await session.LoadAsync<LineageView>(lineageId, ct) ?? lineage);
    }

    private static string Actor(ClaimsPrincipal user) => $"operator:{user.GetSubject()}";
}
