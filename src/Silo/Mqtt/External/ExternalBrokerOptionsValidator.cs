using FluentValidation;
using Microsoft.Extensions.Options;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>Refuses to start a node in external mode with settings that could not work, naming each one.</summary>
public sealed class ExternalBrokerOptionsValidator : AbstractValidator<ExternalBrokerOptions>, IValidateOptions<ExternalBrokerOptions>
{
    public ExternalBrokerOptionsValidator()
    {
        RuleFor(o => o.Url).Must(BeABrokerUrl)
            .OverridePropertyName($"{ExternalBrokerOptions.Section}:Url")
            .WithMessage(o => $"'{o.Url}' is not a broker address: use mqtt://host[:port] or mqtts://host[:port].");
        RuleFor(o => o.Password).Empty().When(o => string.IsNullOrEmpty(o.Username))
            .OverridePropertyName($"{ExternalBrokerOptions.Section}:Password")
            .WithMessage("A password needs a username.");
        RuleFor(o => o.Group).NotEmpty().Must(g => g.IndexOfAny(['/', '+', '#']) < 0)
            .OverridePropertyName($"{ExternalBrokerOptions.Section}:Group")
            .WithMessage("The shared subscription group must be one topic level without '/', '+' or '#'.");
        RuleFor(o => o.SessionExpiry).InclusiveBetween(TimeSpan.FromHours(1), TimeSpan.FromSeconds(uint.MaxValue))
            .OverridePropertyName($"{ExternalBrokerOptions.Section}:SessionExpiry")
            .WithMessage("The session must outlive a node's restart: at least one hour.");
        RuleFor(o => o.MaxInFlight).InclusiveBetween(1, ushort.MaxValue).OverridePropertyName($"{ExternalBrokerOptions.Section}:MaxInFlight");
        RuleFor(o => o.ReconnectDelayMax).GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)).OverridePropertyName($"{ExternalBrokerOptions.Section}:ReconnectDelayMax");
        RuleFor(o => o.CommandTimeout).GreaterThan(TimeSpan.Zero).OverridePropertyName($"{ExternalBrokerOptions.Section}:CommandTimeout");
        RuleFor(o => o.ReconcileInterval).GreaterThan(TimeSpan.Zero).OverridePropertyName($"{ExternalBrokerOptions.Section}:ReconcileInterval");
    }

    private static bool BeABrokerUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "mqtt" or "mqtts" && uri.Host.Length > 0
        && uri.AbsolutePath is "" or "/" && uri.Query.Length == 0;

    public ValidateOptionsResult Validate(string? name, ExternalBrokerOptions options)
    {
        var result = Validate(options);
        return result.IsValid
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(result.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}"));
    }
}
