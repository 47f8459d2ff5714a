using Microsoft.Extensions.Hosting;

namespace EdgeSync.Api.Auth;

/// <summary>
/// The signing key appsettings.json ships is public: tokens signed with it are anyone's. A node
/// accepts it only in the Development environment or with <c>Auth:AllowDevelopmentKey=true</c>
/// (a test bench, a demo); anywhere else it refuses to start. Other HS256 keys are the
/// operator's own secret and are accepted everywhere.
/// </summary>
public static class DevelopmentKeyRule
{
    public static AuthSettings Enforce(AuthSettings settings, IHostEnvironment environment)
    {
        if (settings.IsDevelopmentKey && !environment.IsDevelopment() && !settings.AllowDevelopmentKey)
            throw new UnsafeAuthConfigurationException(
                $"{AuthSettings.Section}:SigningKey is the development key that appsettings.json ships, and the environment is "
                + $"'{environment.EnvironmentName}', not Development. Refusing to start: anyone can sign tokens with that key. "
                + $"Configure {AuthSettings.Section}:Authority (an OpenID Connect identity provider) and set {AuthSettings.Section}:SigningKey "
                + $"to empty, or set {AuthSettings.Section}:SigningKey to a secret of your own, or set {AuthSettings.Section}:AllowDevelopmentKey=true "
                + "to accept the development key on purpose.");
        return settings;
    }
}
