using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeSync.Api.Auth;

/// <summary>
/// Lets the login page validate a pasted token with the bearer handler itself (same keys, issuer,
/// audience, lifetime and checks as an <c>Authorization</c> header), by handing it the token
/// through the request's items instead of a header.
/// </summary>
internal sealed class LoginTokenSource : IPostConfigureOptions<JwtBearerOptions>
{
    private const string ItemKey = "EdgeSync.Api.Auth.LoginToken";

    /// <summary>
    /// Runs a fresh bearer handler on <paramref name="token"/>. Fresh, because a handler caches its
    /// result for the request, and the one of this request may already have looked for a header.
    /// </summary>
    public static async Task<AuthenticateResult> ValidateAsync(HttpContext context, string token)
    {
        var services = context.RequestServices;
        var scheme = await services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(JwtBearerDefaults.AuthenticationScheme)
                     ?? throw new InvalidOperationException("The bearer scheme is not registered.");
        var handler = (IAuthenticationHandler)ActivatorUtilities.CreateInstance(services, scheme.HandlerType);
        context.Items[ItemKey] = token;
        try
        {
            await handler.InitializeAsync(scheme, context);
            return await handler.AuthenticateAsync();
        }
        finally
        {
            context.Items.Remove(ItemKey);
        }
    }

    public void PostConfigure(string? name, JwtBearerOptions options)
    {
        if (name != JwtBearerDefaults.AuthenticationScheme)
            return;
        options.Events ??= new JwtBearerEvents();
        var previous = options.Events.OnMessageReceived;
        options.Events.OnMessageReceived = async context =>
        {
            await previous(context);
            if (context.HttpContext.Items.TryGetValue(ItemKey, out var token) && token is string pasted)
                context.Token = pasted;
        };
    }
}
