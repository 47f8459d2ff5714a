using EdgeSync.Api.Http;
using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Storage;
using FluentValidation;

namespace EdgeSync.Api.Edge;

public sealed record ColumnActionRequest(string? SourceColumnName, string? Action, string? MirrorColumnName, string? DataPoint, string? TimestampColumn);

/// <summary>
/// POST …/schema-reviews/{review_id}/approve. <see cref="MirrorLayout"/> (<c>per_device</c> or
/// <c>coalesced</c>) is optional: without it the lineage keeps its mirror's layout, and a first
/// mirror takes the project's <c>default_mirror_layout</c>.
/// </summary>
public sealed record ApproveReviewRequest(int? ActionVersion, IReadOnlyList<ColumnActionRequest>? ColumnActions, string? MirrorTableName, string? MirrorLayout = null)
{
    public ApproveReview ToCommand(Guid reviewId, string actor) => new(
        reviewId, ActionVersion!.Value,
        ColumnActions!.Select(a => new ColumnAction(a.SourceColumnName!, a.Action!, a.MirrorColumnName, a.DataPoint, a.TimestampColumn)).ToList(),
        MirrorTableName, actor, MirrorLayout);
}

/// <summary>POST …/schema-reviews/{review_id}/reject.</summary>
public sealed record RejectReviewRequest(int? ActionVersion, string? Reason);

public sealed class ApproveReviewRequestValidator : AbstractValidator<ApproveReviewRequest>
{
    private static readonly IReadOnlyList<string> Actions = EnumNames.All<BindingAction>();
    private static readonly IReadOnlyList<string> Layouts = EnumNames.All<MirrorLayout>();

    public ApproveReviewRequestValidator()
    {
        RuleFor(r => r.ActionVersion).NotNull().GreaterThan(0);
        RuleFor(r => r.ColumnActions).NotNull();
        RuleForEach(r => r.ColumnActions).ChildRules(action =>
        {
            action.RuleFor(a => a.SourceColumnName).NotNull().Storable();
            action.RuleFor(a => a.TimestampColumn).Storable();
            action.RuleFor(a => a.Action).NotEmpty().Must(a => Actions.Contains(a))
                .WithMessage($"'action' must be one of {string.Join(", ", Actions)}.");
            action.RuleFor(a => a.DataPoint).NotEmpty().MaximumLength(200).When(a => a.Action == EnumNames.Of(BindingAction.Map))
                .WithMessage("'data_point' is required for a 'map' action.");
            action.RuleFor(a => a.DataPoint).Storable();
            action.RuleFor(a => a.MirrorColumnName).Must(BeAValidColumnName!).When(a => a.MirrorColumnName is not null)
                .WithMessage((_, name) => $"'mirror_column_name' {ColumnProblem(name!)}");
        });
        RuleFor(r => r.MirrorTableName).Must(BeAValidName!).When(r => r.MirrorTableName is not null)
            .WithMessage((_, name) => $"'mirror_table_name' {Problem(name!)}");
        RuleFor(r => r.MirrorLayout).Must(l => Layouts.Contains(l!)).When(r => r.MirrorLayout is not null)
            .WithMessage($"'mirror_layout' must be one of {string.Join(", ", Layouts)}.");
    }

    private static bool BeAValidName(string name) => MirrorNaming.IsValidName(name, out _);

    private static string Problem(string name) => MirrorNaming.IsValidName(name, out var problem) ? "" : problem!;

    private static bool BeAValidColumnName(string name) => MirrorNaming.IsValidColumnName(name, out _);

    private static string ColumnProblem(string name) => MirrorNaming.IsValidColumnName(name, out var problem) ? "" : problem!;
}

public sealed class RejectReviewRequestValidator : AbstractValidator<RejectReviewRequest>
{
    public RejectReviewRequestValidator()
    {
        RuleFor(r => r.ActionVersion).NotNull().GreaterThan(0);
        RuleFor(r => r.Reason).MaximumLength(2000).Storable();
    }
}
