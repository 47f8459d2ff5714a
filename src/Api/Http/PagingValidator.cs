using FluentValidation;

namespace EdgeSync.Api.Http;

public sealed class PagingValidator : AbstractValidator<Paging>
{
    public PagingValidator()
    {
        RuleFor(p => p.UnparsedPage).Null()
            .OverridePropertyName("page").WithMessage("'page' must be an integer.");
        RuleFor(p => p.UnparsedLimit).Null()
            .OverridePropertyName("limit").WithMessage("'limit' must be an integer.");

        RuleFor(p => p.Page).GreaterThanOrEqualTo(1)
            .OverridePropertyName("page").WithMessage("'page' must be 1 or greater.")
            .When(p => p.UnparsedPage is null);
        RuleFor(p => p.Limit).InclusiveBetween(1, Paging.MaxLimit)
            .OverridePropertyName("limit").WithMessage($"'limit' must be between 1 and {Paging.MaxLimit}.")
            .When(p => p.UnparsedLimit is null);
        RuleFor(p => p).Must(p => ((long)p.Page - 1) * p.Limit <= int.MaxValue)
            .OverridePropertyName("page").WithMessage("'page' is too large.")
            .When(p => p.Page >= 1 && p.Limit is >= 1 and <= Paging.MaxLimit);
    }
}
