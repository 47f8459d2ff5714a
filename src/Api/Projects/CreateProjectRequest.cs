using EdgeSync.Api.Http;
using FluentValidation;

namespace EdgeSync.Api.Projects;

/// <summary>POST /projects body. <c>topic_slug</c> may be <c>""</c> (devices then publish under <c>/{device_name}</c>).</summary>
public sealed record CreateProjectRequest(string? Name, string? TopicSlug);

public sealed class CreateProjectRequestValidator : AbstractValidator<CreateProjectRequest>
{
    public const int MaxNameLength = 200;

    public CreateProjectRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(MaxNameLength)
            .Must(n => n is null || n.Trim().Length > 0).WithMessage("'name' must not be blank.")
            .Storable();
        RuleFor(r => r.TopicSlug)
            .NotNull().WithMessage("'topic_slug' is required; use \"\" for a project whose devices publish under /{device_name}.")
            .Matches("^(|[a-z0-9][a-z0-9-]{0,62})$")
            .WithMessage("'topic_slug' must be empty or 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit.");
    }
}
