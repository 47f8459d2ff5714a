using FluentValidation;
using FluentValidation.Results;

namespace EdgeSync.Wire;

internal static class WireRuleExtensions
{
    /// <summary>
    /// A rule that fails with <paramref name="code"/> when <paramref name="problem"/> returns a
    /// sentence (the rejection detail, used verbatim — no placeholder formatting, so device text
    /// quoted in it is safe), and passes when it returns null.
    /// </summary>
    public static IRuleBuilderOptionsConditions<T, TProperty> Check<T, TProperty>(
        this IRuleBuilder<T, TProperty> rule, string code, Func<T, TProperty, string?> problem) =>
        rule.Custom((value, context) =>
        {
            if (problem(context.InstanceToValidate, value) is { } detail)
                context.AddFailure(new ValidationFailure(context.PropertyPath, detail) { ErrorCode = code });
        });

    /// <summary>The first failure of a validator whose rules are declared in rejection order, as a <see cref="Rejection"/>.</summary>
    public static Rejection? FirstRejection(this ValidationResult result) =>
        result.IsValid ? null : new Rejection(result.Errors[0].ErrorCode, result.Errors[0].ErrorMessage);
}
