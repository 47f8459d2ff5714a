using FluentValidation;

namespace EdgeSync.Api.Devices;

/// <summary>POST /projects/{project_id}/devices body.</summary>
public sealed record CreateDeviceRequest(string? Name);

public sealed class CreateDeviceRequestValidator : AbstractValidator<CreateDeviceRequest>
{
    public CreateDeviceRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty()
            .Matches("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
            .WithMessage("'name' must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit.");
    }
}
