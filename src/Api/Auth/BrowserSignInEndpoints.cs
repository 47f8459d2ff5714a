using System.Globalization;
using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeSync.Api.Auth;

/// <summary><c>GET/POST /login</c> and <c>POST /logout</c>: the browser's way in and out.</summary>
public static class BrowserSignInEndpoints
{
    /// <summary>A login form is a token and a return address: anything bigger is not one.</summary>
    private const int MaxFormBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapBrowserSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(BrowserSignIn.LoginPath, ShowAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(BrowserSignIn.LoginPath, SignInAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(BrowserOidc.StartPath, BrowserOidc.Start).AllowAnonymous().ExcludeFromDescription();
        // Cookie sessions pass the anti-forgery check in UseBrowserAntiforgery before they get here.
        app.MapPost(BrowserSignIn.LogoutPath, SignOutAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static Task ShowAsync(HttpContext http, IAntiforgery antiforgery)
    {
        var returnUrl = http.Request.Query[BrowserSignIn.ReturnUrlParameter].ToString();
        return BrowserPages.LoginAsync(http, Model(http, antiforgery, returnUrl, null));
    }

    private static async Task SignInAsync(HttpContext http, IAntiforgery antiforgery, IValidator<LoginForm> validator,
        IOptions<BrowserSignInOptions> options, TimeProvider clock)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxFormBytes;
        if (!http.Request.HasFormContentType || http.Request.ContentLength > MaxFormBytes)
        {
            await BrowserPages.LoginAsync(http, Model(http, antiforgery, "", "Sign in with the form on this page."), StatusCodes.Status400BadRequest);
            return;
        }
        IFormCollection form;
        try
        {
            var feature = new FormFeature(http.Request, new FormOptions { ValueLengthLimit = MaxFormBytes, ValueCountLimit = 16, KeyLengthLimit = 64 });
            http.Features.Set<IFormFeature>(feature);
            form = await feature.ReadFormAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
        {
            await BrowserPages.LoginAsync(http, Model(http, antiforgery, "", "The form is too large."), StatusCodes.Status400BadRequest);
            return;
        }

        var login = new LoginForm(form["token"].ToString().Trim(), form[BrowserSignIn.ReturnUrlParameter].ToString());
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            await BrowserPages.LoginAsync(http, Model(http, antiforgery, login.ReturnUrl, "The sign-in form expired or did not come from this site: try again."),
                StatusCodes.Status400BadRequest);
            return;
        }
        var validation = await validator.ValidateAsync(login, http.RequestAborted);
        if (!validation.IsValid)
        {
            await BrowserPages.LoginAsync(http, Model(http, antiforgery, login.ReturnUrl, validation.Errors[0].ErrorMessage), StatusCodes.Status400BadRequest);
            return;
        }

        var result = await LoginTokenSource.ValidateAsync(http, login.Token!);
        if (!result.Succeeded || result.Principal is null)
        {
            await BrowserPages.LoginAsync(http, Model(http, antiforgery, login.ReturnUrl, "The token is invalid or expired."), StatusCodes.Status401Unauthorized);
            return;
        }

        var now = clock.GetUtcNow();
        var expires = now + options.Value.MaxSessionLifetime;
        if (result.Principal.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            var tokenExpiry = DateTimeOffset.FromUnixTimeSeconds(seconds);
            if (tokenExpiry < expires)
                expires = tokenExpiry;
        }
        var identity = new ClaimsIdentity(result.Principal.Claims.Select(c => new Claim(c.Type, c.Value, c.ValueType, c.Issuer)),
            BrowserSignIn.CookieScheme, Grants.SubjectClaimType, Grants.ClaimType);
        await http.SignInAsync(BrowserSignIn.CookieScheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            IsPersistent = false,
            AllowRefresh = false,
            IssuedUtc = now,
            ExpiresUtc = expires,
        });
        http.Response.Redirect(BrowserRequests.LocalReturnUrl(login.ReturnUrl, BrowserPages.Url(http, "/board")));
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    private static async Task SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(BrowserSignIn.CookieScheme);
        http.Response.Redirect(BrowserPages.Url(http, BrowserSignIn.LoginPath));
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    private static BrowserPages.LoginModel Model(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? error)
    {
        var target = BrowserRequests.LocalReturnUrl(returnUrl, BrowserPages.Url(http, "/board"));
        var configuration = http.RequestServices.GetRequiredService<IConfiguration>();
        return new(antiforgery.GetAndStoreTokens(http).RequestToken ?? "", target, error,
            BrowserOidc.IsConfigured(configuration) ? BrowserOidc.StartUrl(http, target) : null);
    }
}
