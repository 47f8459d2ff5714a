using FluentValidation;

namespace EdgeSync.Api.Http;

/// <summary>
/// Text PostgreSQL can store: no U+0000 (neither <c>text</c> nor <c>jsonb</c> holds it) and no
/// unpaired surrogate (it has no UTF-8 form). Request strings that break this are refused with 400
/// <c>validation_failed</c> before they reach a query, instead of failing there with a 500.
/// </summary>
public static class StorableText
{
    public const string Message = "must not contain U+0000 or an unpaired UTF-16 surrogate.";

    public static bool IsStorable(string? text)
    {
        if (text is null)
            return true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
                return false;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return false;
        }
        return true;
    }

    /// <summary>The rule for every free-text field of a request body.</summary>
    public static IRuleBuilderOptions<T, string?> Storable<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(IsStorable).WithMessage("'{PropertyName}' " + Message);
}
