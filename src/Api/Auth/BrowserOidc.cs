using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace EdgeSync.Api.Auth;

/// <summary>
/// "Sign in with OpenID Connect" on the login page, when <c>Auth:Authority</c> and
/// <c>Auth:ClientId</c> are configured (<c>Auth:ClientSecret</c> for a confidential client): the
/// authorization code flow with PKCE, signing into the same session cookie as a pasted token.
/// The identity provider's ID token must carry <c>sub</c> and the <c>permissions</c> claim.
/// </summary>
internal static class BrowserOidc
{
    public const string Scheme = "EdgeSyncOidc";
    public const string StartPath = "/login/oidc";
    public const string CallbackPath = "/signin-oidc";

    public static bool IsConfigured(IConfiguration configuration)
        => !string.IsNullOrWhiteSpace(configuration["Auth:Authority"]) && !string.IsNullOrWhiteSpace(configuration["Auth:ClientId"]);

    public static void Configure(OpenIdConnectOptions options, IConfiguration configuration, BrowserSignInOptions browser, bool requireHttpsMetadata)
    {
        if (!IsConfigured(configuration))
            return;
        options.Authority = configuration["Auth:Authority"];
        options.ClientId = configuration["Auth:ClientId"];
        options.ClientSecret = configuration["Auth:ClientSecret"] is { Length: > 0 } secret ? secret : null;
        // The bearer setting, resolved: plain-HTTP discovery only in Development or when asked for.
        options.RequireHttpsMetadata = requireHttpsMetadata;
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        // The code comes back as a top-level GET: the correlation and nonce cookies can be Lax
        // (a form_post from the provider's site would need SameSite=None).
        options.ResponseMode = OpenIdConnectResponseMode.Query;
        options.CorrelationCookie.SameSite = SameSiteMode.Lax;
        options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.NonceCookie.SameSite = SameSiteMode.Lax;
        options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.CallbackPath = CallbackPath;
        options.SignInScheme = BrowserSignIn.CookieScheme;
        options.MapInboundClaims = false;
        options.SaveTokens = false;
        options.UseTokenLifetime = true;
        options.TokenValidationParameters.NameClaimType = Grants.SubjectClaimType;
        options.TokenValidationParameters.RoleClaimType = Grants.ClaimType;
        options.Events = new OpenIdConnectEvents
        {
            OnTicketReceived = context =>
            {
                if (string.IsNullOrEmpty(context.Principal?.FindFirst(Grants.SubjectClaimType)?.Value))
                {
                    context.Fail("The ID token has no 'sub' claim.");
                    return Task.CompletedTask;
                }
                // Never longer than a pasted token's session could last.
                var latest = DateTimeOffset.UtcNow + browser.MaxSessionLifetime;
                if (context.Properties is { } properties && (properties.ExpiresUtc is null || properties.ExpiresUtc > latest))
                    properties.ExpiresUtc = latest;
                if (context.Properties is { } p)
                {
                    p.IsPersistent = false;
                    p.AllowRefresh = false;
                    p.RedirectUri = BrowserRequests.LocalReturnUrl(p.RedirectUri, $"{context.Request.PathBase}/board");
                }
                return Task.CompletedTask;
            },
            OnRemoteFailure = async context =>
            {
                context.HandleResponse();
                var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
                await BrowserPages.LoginAsync(context.HttpContext,
                    new BrowserPages.LoginModel(antiforgery.GetAndStoreTokens(context.HttpContext).RequestToken ?? "",
                        $"{context.Request.PathBase}/board", "Signing in with OpenID Connect failed: try again.", StartUrl(context.HttpContext, null)),
                    StatusCodes.Status401Unauthorized);
            },
        };
    }

    public static string StartUrl(HttpContext context, string? returnUrl)
        => $"{context.Request.PathBase}{StartPath}?{BrowserSignIn.ReturnUrlParameter}={Uri.EscapeDataString(returnUrl ?? $"{context.Request.PathBase}/board")}";

    /// <summary><c>GET /login/oidc?return_url=…</c>: off to the identity provider (404 when none is configured).</summary>
    public static IResult Start(HttpContext context, IConfiguration configuration)
    {
        if (!IsConfigured(configuration))
            return Http.ApiProblem.NotFound(Http.ProblemCodes.NotFound, "OpenID Connect sign-in is not configured (Auth:Authority, Auth:ClientId).");
        var returnUrl = BrowserRequests.LocalReturnUrl(context.Request.Query[BrowserSignIn.ReturnUrlParameter].ToString(), $"{context.Request.PathBase}/board");
        return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [Scheme]);
    }
}
