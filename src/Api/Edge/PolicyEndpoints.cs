using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Api.Idempotency;
using EdgeSync.Registry;
using EdgeSync.Storage;
using FluentValidation;
using Marten;
using Marten.Patching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Edge;

/// <summary>PATCH …/policy body: every field optional; absent fields keep their value.</summary>
public sealed record PolicyPatch(
    bool? AllowAdditiveContinue, long? MaxPendingRowsPerLineage, long? MaxPendingBytesPerLineage,
    int? ResumeThresholdPercent, int? CircuitBreakerThreshold, string? OnPermanentRowError = null, string? DefaultMirrorLayout = null)
{
    /// <summary>Only called on a validated patch: a layout given is one of the names.</summary>
    public EdgePolicy ApplyTo(EdgePolicy policy) => policy with
    {
        DefaultMirrorLayout = EnumNames.TryParse<MirrorLayout>(DefaultMirrorLayout, out var layout) ? layout : policy.DefaultMirrorLayout,
        AllowAdditiveContinue = AllowAdditiveContinue ?? policy.AllowAdditiveContinue,
        MaxPendingRowsPerLineage = MaxPendingRowsPerLineage ?? policy.MaxPendingRowsPerLineage,
        MaxPendingBytesPerLineage = MaxPendingBytesPerLineage ?? policy.MaxPendingBytesPerLineage,
        ResumeThresholdPercent = ResumeThresholdPercent ?? policy.ResumeThresholdPercent,
        CircuitBreakerThreshold = CircuitBreakerThreshold ?? policy.CircuitBreakerThreshold,
        OnPermanentRowError = EnumNames.TryParse<PermanentRowErrorAction>(OnPermanentRowError, out var action) ? action : policy.OnPermanentRowError,
    };
}

public sealed class PolicyPatchValidator : AbstractValidator<PolicyPatch>
{
    private static readonly IReadOnlyList<string> RowErrorActions = EnumNames.All<PermanentRowErrorAction>();

    public PolicyPatchValidator()
    {
        RuleFor(p => p.MaxPendingRowsPerLineage).GreaterThan(0);
        RuleFor(p => p.MaxPendingBytesPerLineage).GreaterThan(0);
        RuleFor(p => p.ResumeThresholdPercent).InclusiveBetween(1, 99);
        RuleFor(p => p.CircuitBreakerThreshold).GreaterThan(0);
        RuleFor(p => p.OnPermanentRowError).Must(a => a is null || RowErrorActions.Contains(a))
            .WithMessage($"'on_permanent_row_error' must be one of {string.Join(", ", RowErrorActions)}.");
        RuleFor(p => p.DefaultMirrorLayout).Must(l => EnumNames.TryParse<MirrorLayout>(l, out _)).When(p => p.DefaultMirrorLayout is not null)
            .WithMessage($"'default_mirror_layout' must be one of {string.Join(", ", EnumNames.All<MirrorLayout>())}.");
    }

}

public static class PolicyEndpoints
{
    public static RouteGroupBuilder MapPolicyEndpoints(this RouteGroupBuilder edge)
    {
        edge.MapGet("/policy", Get)
            .WithName("getEdgePolicy")
            .WithSummary("Get the project's edge policy")
            .Produces<ApiEnvelope<EdgePolicy>>();
        edge.MapPatch("/policy", Patch).RequireProjectPermission(ProjectPermission.Manage).WithIdempotency(required: true)
            .WithName("updateEdgePolicy")
            .WithSummary("Change some fields of the project's edge policy; the others keep their values")
            .Produces<ApiEnvelope<EdgePolicy>>();
        return edge;
    }

    private static async Task<IResult> Get([FromRoute(Name = "project_id")] Guid projectId, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<Project>(projectId, ct) is { } project
            ? ApiResponse.Ok(project.Policy)
            : ApiProblem.NotFound("project_not_found", "No such project.");

    private static async Task<IResult> Patch(
        [FromRoute(Name = "project_id")] Guid projectId, PolicyPatch body, IDocumentSession session, CancellationToken ct)
    {
        if (await session.LoadAsync<Project>(projectId, ct) is not { } project)
            return ApiProblem.NotFound("project_not_found", "No such project.");
        var policy = body.ApplyTo(project.Policy);
        session.Patch<Project>(projectId).Set(p => p.Policy, policy);
        await session.SaveChangesAsync(ct);
        return ApiResponse.Ok(policy);
    }
}
