using FluentValidation;

namespace EdgeSync.Api.Http;

/// <summary>
/// FluentValidation messages name fields as the JSON does (<c>'topic_slug' must not be
/// empty.</c>). This sets the process-wide <see cref="ValidatorOptions.Global"/> display-name
/// resolver; error keys are converted separately by <see cref="ApiProblem.Validation(FluentValidation.Results.ValidationResult)"/>.
/// </summary>
internal static class ValidationNaming
{
    public static void UseSnakeCase()
        => ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : ApiJson.ToSnakeCase(member.Name);
}
