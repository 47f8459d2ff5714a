using FluentValidation;

namespace EdgeSync.Api.Auth;

/// <summary>The fields of <c>POST /login</c> (the anti-forgery field is checked by the antiforgery service).</summary>
public sealed record LoginForm(string? Token, string? ReturnUrl)
{
    public const int MaxTokenLength = 16 * 1024;
    public const int MaxReturnUrlLength = 2048;
}

internal sealed class LoginFormValidator : AbstractValidator<LoginForm>
{
    public LoginFormValidator()
    {
        RuleFor(f => f.Token).NotEmpty().WithMessage("Paste an access token.")
            .MaximumLength(LoginForm.MaxTokenLength).WithMessage($"A token is at most {LoginForm.MaxTokenLength} characters.");
        RuleFor(f => f.ReturnUrl).MaximumLength(LoginForm.MaxReturnUrlLength);
    }
}
