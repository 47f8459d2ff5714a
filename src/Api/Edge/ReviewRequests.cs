using EdgeSync.Api.Http;
using EdgeSync.Fleets;
using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Storage;
using FluentValidation;

namespace EdgeSync.Api.Edge;

public sealed record ColumnActionRequest(string? SourceColumnName, string? Action, string? MirrorColumnName, string? DataPoint, string? TimestampColumn)
{
    /// <summary>Only called once the requests are validated.</summary>
    public static IReadOnlyList<ColumnAction> ToActions(IReadOnlyList<ColumnActionRequest> requests) =>
        requests.Select(a => new ColumnAction(a.SourceColumnName!, a.Action!, a.MirrorColumnName, a.DataPoint, a.TimestampColumn)).ToList();
}

/// <summary>POST …/registry/decisions.</summary>
public sealed record RecordDecisionRequest(
    string? SourceTable, string? SchemaHash, IReadOnlyList<ColumnActionRequest>? ColumnActions, string? MirrorLayout, string? MirrorTableName)
{
    public RecordRegistryDecision ToCommand(string actor) =>
        new(SourceTable!, SchemaHash!, ColumnActionRequest.ToActions(ColumnActions!), MirrorLayout, MirrorTableName, actor);
}

/// <summary>
/// POST …/schema-reviews/{review_id}/approve. <see cref="Scope"/> <c>project</c> makes it a fleet
/// approval: a registry decision for the review's schema, approving every open review of it.
/// </summary>
public sealed record ApproveReviewRequest(
    int? ActionVersion, IReadOnlyList<ColumnActionRequest>? ColumnActions, string? MirrorTableName, string? Scope = null, string? MirrorLayout = null)
{
    public const string LineageScope = "lineage";
    public const string ProjectScope = "project";

    public bool ForProject => Scope == ProjectScope;

    public ApproveReview ToCommand(Guid reviewId, string actor) =>
        new(reviewId, ActionVersion!.Value, ColumnActionRequest.ToActions(ColumnActions!), MirrorTableName, actor, MirrorLayout);

    public RecordRegistryDecision ToDecision(SchemaReview review, string actor) => new(
        review.SourceTable, review.SchemaHash, ColumnActionRequest.ToActions(ColumnActions!), MirrorLayout, MirrorTableName, actor, review.Id, ActionVersion);
}

/// <summary>POST …/schema-reviews/{review_id}/reject.</summary>
public sealed record RejectReviewRequest(int? ActionVersion, string? Reason);

public sealed class ApproveReviewRequestValidator : AbstractValidator<ApproveReviewRequest>
{
    private static readonly string[] Scopes = [ApproveReviewRequest.LineageScope, ApproveReviewRequest.ProjectScope];

    public ApproveReviewRequestValidator()
    {
        RuleFor(r => r.ActionVersion).NotNull().GreaterThan(0);
        RuleFor(r => r.ColumnActions).NotNull();
        RuleForEach(r => r.ColumnActions).SetValidator(new ColumnActionRequestValidator());
        RuleFor(r => r.Scope).Must(s => Scopes.Contains(s)).When(r => r.Scope is not null)
            .WithMessage($"'scope' must be one of {string.Join(", ", Scopes)}.");
        RuleFor(r => r.MirrorLayout).MirrorLayout();
        RuleFor(r => r.MirrorTableName).Must(MirrorNames.BeAValidName!).When(r => r.MirrorTableName is not null)
            .WithMessage((_, name) => $"'mirror_table_name' {MirrorNames.Problem(name!)}");
    }
}

public sealed class RecordDecisionRequestValidator : AbstractValidator<RecordDecisionRequest>
{
    public RecordDecisionRequestValidator()
    {
        RuleFor(r => r.SourceTable).NotEmpty().MaximumLength(255).Storable();
        RuleFor(r => r.SchemaHash).NotEmpty().MaximumLength(128).Storable();
        RuleFor(r => r.ColumnActions).NotNull();
        RuleForEach(r => r.ColumnActions).SetValidator(new ColumnActionRequestValidator());
        RuleFor(r => r.MirrorLayout).MirrorLayout();
        RuleFor(r => r.MirrorTableName).Must(MirrorNames.BeAValidName!).When(r => r.MirrorTableName is not null)
            .WithMessage((_, name) => $"'mirror_table_name' {MirrorNames.Problem(name!)}");
    }
}

public sealed class ColumnActionRequestValidator : AbstractValidator<ColumnActionRequest>
{
    private static readonly IReadOnlyList<string> Actions = EnumNames.All<BindingAction>();

    public ColumnActionRequestValidator()
    {
        RuleFor(a => a.SourceColumnName).NotNull().Storable();
        RuleFor(a => a.TimestampColumn).Storable();
        RuleFor(a => a.Action).NotEmpty().Must(a => Actions.Contains(a))
            .WithMessage($"'action' must be one of {string.Join(", ", Actions)}.");
        RuleFor(a => a.DataPoint).NotEmpty().MaximumLength(200).When(a => a.Action == EnumNames.Of(BindingAction.Map))
            .WithMessage("'data_point' is required for a 'map' action.");
        RuleFor(a => a.DataPoint).Storable();
        RuleFor(a => a.MirrorColumnName).Must(MirrorNames.BeAValidColumnName!).When(a => a.MirrorColumnName is not null)
            .WithMessage((_, name) => $"'mirror_column_name' {MirrorNames.ColumnProblem(name!)}");
    }
}

internal static class MirrorNames
{
    public static bool BeAValidName(string name) => MirrorNaming.IsValidName(name, out _);

    public static string Problem(string name) => MirrorNaming.IsValidName(name, out var problem) ? "" : problem!;

    public static bool BeAValidColumnName(string name) => MirrorNaming.IsValidColumnName(name, out _);

    public static string ColumnProblem(string name) => MirrorNaming.IsValidColumnName(name, out var problem) ? "" : problem!;

    public static IRuleBuilderOptions<T, string?> MirrorLayout<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(l => l is null || EnumNames.All<MirrorLayout>().Contains(l))
            .WithMessage($"'mirror_layout' must be one of {string.Join(", ", EnumNames.All<MirrorLayout>())}.");
}

public sealed class RejectReviewRequestValidator : AbstractValidator<RejectReviewRequest>
{
    public RejectReviewRequestValidator()
    {
        RuleFor(r => r.ActionVersion).NotNull().GreaterThan(0);
        RuleFor(r => r.Reason).MaximumLength(2000).Storable();
    }
}
