using System.Security.Claims;
using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Api.Idempotency;
using EdgeSync.Fleets;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using EdgeSync.Wire;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Api.Edge;

/// <summary>
/// The project's schema registry: standing decisions for a table's schema, recorded directly or by
/// a fleet approval of a review, and carried to every lineage whose review waits for them.
/// </summary>
public static class RegistryEndpoints
{
    public static RouteGroupBuilder MapRegistryEndpoints(this RouteGroupBuilder edge)
    {
        edge.MapGet("/registry/decisions", List).WithSummary("Registry decisions of the project, newest first")
            .WithName("listRegistryDecisions")
            .Produces<ApiPage<RegistryDecisionView>>();
        edge.MapGet("/registry/decisions/{decision_id:guid}", Get).WithSummary("One registry decision")
            .WithName("getRegistryDecision")
            .Produces<ApiEnvelope<RegistryDecisionView>>();
        var manage = edge.MapGroup("/registry/decisions")
            .RequireProjectPermission(ProjectPermission.Manage)
            .WithIdempotency(required: true);
        manage.MapPost("", Record).WithSummary("Record a decision for a table's schema and approve every open review of it")
            .WithName("recordRegistryDecision")
            .Produces<ApiEnvelope<FleetApprovalView>>()
            .Produces<ApiEnvelope<FleetApprovalView>>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status409Conflict);
        manage.MapDelete("/{decision_id:guid}", Revoke).WithSummary("Revoke a decision: no more automatic acceptance")
            .WithName("revokeRegistryDecision")
            .Produces<ApiEnvelope<RegistryDecisionView>>()
            .ProducesProblem(StatusCodes.Status409Conflict);
        return edge;
    }

    private static async Task<IResult> List(
        [FromRoute(Name = "project_id")] Guid projectId, Paging paging, IQuerySession session,
        [FromQuery(Name = "source_table")] string? sourceTable, [FromQuery(Name = "schema_hash")] string? schemaHash, CancellationToken ct)
    {
        var query = session.Query<RegistryDecision>().Where(d => d.ProjectId == projectId);
        if (!string.IsNullOrEmpty(sourceTable))
            query = query.Where(d => d.SourceTable == sourceTable);
        if (!string.IsNullOrEmpty(schemaHash))
            query = query.Where(d => d.SchemaHash == schemaHash);
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(d => d.DecidedAt).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return ApiResponse.Page(items.Select(RegistryDecisionView.From).ToList(), paging, total);
    }

    private static async Task<IResult> Get(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "decision_id")] Guid decisionId, [FromServices] RegistryStore registry, CancellationToken ct) =>
        await registry.LoadAsync(projectId, decisionId, ct) is { } decision ? ApiResponse.Ok(RegistryDecisionView.From(decision)) : NotFound(decisionId);

    private static Task<IResult> Record(
        [FromRoute(Name = "project_id")] Guid projectId, RecordDecisionRequest body, ClaimsPrincipal user,
        [FromServices] IGrainFactory grains, [FromServices] RegistryStore registry, [FromServices] RegistryFanOut fanOut, ILoggerFactory logs) =>
        DecideAsync(projectId, body.ToCommand(Actor(user)), grains, registry, fanOut, logs);

    private static async Task<IResult> Revoke(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "decision_id")] Guid decisionId, ClaimsPrincipal user,
        [FromServices] IGrainFactory grains, [FromServices] RegistryStore registry, CancellationToken ct)
    {
        var result = await grains.GetGrain<IRegistryGrain>(projectId).Revoke(decisionId, Actor(user));
        if (!result.Result.Succeeded)
            return ApiProblem.Create(result.Result.Status, result.Result.Code!, result.Result.Detail);
        return ApiResponse.Ok(RegistryDecisionView.From((await registry.LoadAsync(projectId, decisionId, ct))!));
    }

    /// <summary>
    /// Records the decision, then approves the reviews waiting for it, a lineage at a time through its
    /// own grain. The answer waits for the fan-out; when a node cannot be reached midway, it is 202 with
    /// the decision as recorded: the registry's reminder finishes the fan-out. The fan-out does not stop
    /// when the caller goes away.
    /// </summary>
    internal static async Task<IResult> DecideAsync(
        Guid projectId, RecordRegistryDecision command, IGrainFactory grains, RegistryStore registry, RegistryFanOut fanOut, ILoggerFactory logs)
    {
        var registryGrain = grains.GetGrain<IRegistryGrain>(projectId);
        var recorded = await registryGrain.Record(command);
        if (!recorded.Result.Succeeded)
            return ApiProblem.Create(recorded.Result.Status, recorded.Result.Code!, recorded.Result.Detail);
        var decision = (await registry.LoadAsync(projectId, recorded.DecisionId!.Value))!;
        try
        {
            var approved = await fanOut.RunAsync(decision);
            await registryGrain.CompleteFanOut(decision.Id, approved);
            decision = (await registry.LoadAsync(projectId, decision.Id))!;
            return ApiResponse.Ok(new FleetApprovalView(RegistryDecisionView.From(decision), approved));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logs.CreateLogger(typeof(RegistryEndpoints)).LogWarning(e, "The fan-out of registry decision {DecisionId} stopped; the registry finishes it", decision.Id);
            return TypedResults.Json(ApiResponse.Envelope(new FleetApprovalView(RegistryDecisionView.From(decision), [])),
                statusCode: StatusCodes.Status202Accepted);
        }
    }

    private static string Actor(ClaimsPrincipal user) => $"operator:{user.GetSubject()}";

    private static IResult NotFound(Guid decisionId) =>
        ApiProblem.NotFound("registry_decision_not_found", $"Registry decision {decisionId} does not exist in this project.");
}

/// <summary>A fleet approval's answer: the decision, and every review it approved (the named one included).</summary>
public sealed record FleetApprovalView(RegistryDecisionView Decision, IReadOnlyList<Guid> ApprovedReviewIds);

/// <param name="FanOut"><c>running</c> until every review waiting when the decision was recorded was reached, then <c>completed</c>.</param>
public sealed record RegistryDecisionView(
    Guid DecisionId, string SourceTable, string SchemaHash, IReadOnlyList<SchemaColumn> Columns, IReadOnlyList<ColumnAction> ColumnActions,
    string MirrorLayout, string? MirrorTableName, bool InForce, string DecidedBy, DateTimeOffset DecidedAt, string FanOut, int TargetCount,
    IReadOnlyList<Guid> ApprovedReviewIds, DateTimeOffset? FanOutCompletedAt, string? RevokedBy, DateTimeOffset? RevokedAt)
{
    public static RegistryDecisionView From(RegistryDecision d) => new(
        d.Id, d.SourceTable, d.SchemaHash, d.Columns.Columns, d.ColumnActions, EnumNames.Of(d.MirrorLayout), d.MirrorTableName, d.InForce, d.DecidedBy, d.DecidedAt,
        d.FanOutRunning ? "running" : "completed", d.Targets.Count, d.ApprovedReviewIds, d.FanOutCompletedAt, d.RevokedBy, d.RevokedAt);
}
