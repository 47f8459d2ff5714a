using EdgeSync.Api.Http;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api.Auth;

/// <summary>The session cookie's settings and its answers to challenges.</summary>
internal static class BrowserSessionCookie
{
    public static void Configure(CookieAuthenticationOptions options, BrowserSignInOptions browser)
    {
        options.Cookie.Name = BrowserSignIn.CookieName;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        // Secure whenever the request is HTTPS: directly, or as X-Forwarded-Proto: https from a
        // trusted proxy (the forwarded headers middleware runs first and sets the scheme).
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.Cookie.IsEssential = true;
        options.LoginPath = BrowserSignIn.LoginPath;
        options.LogoutPath = BrowserSignIn.LogoutPath;
        options.ReturnUrlParameter = BrowserSignIn.ReturnUrlParameter;
        // The session ends with the token it was made from: no sliding renewal past it.
        options.SlidingExpiration = false;
        options.ExpireTimeSpan = browser.MaxSessionLifetime;
        options.Events = new CookieAuthenticationEvents
        {
            OnRedirectToLogin = context =>
            {
                if (BrowserRequests.IsNavigation(context.HttpContext))
                {
                    context.Response.Redirect(context.RedirectUri);
                    return Task.CompletedTask;
                }
                return ApiProblem.Unauthorized("The browser session is missing or has expired: sign in again at /login, or send a bearer token.")
                    .ExecuteAsync(context.HttpContext);
            },
            OnRedirectToAccessDenied = context => ApiProblem.Forbidden().ExecuteAsync(context.HttpContext),
            OnRedirectToLogout = context =>
            {
                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            },
        };
    }
}
