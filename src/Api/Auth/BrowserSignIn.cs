using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeSync.Api.Auth;

/// <summary>
/// Browser sign-in beside the bearer tokens: a session cookie that carries the claims of a token
/// validated once on the login page. A policy scheme picks the bearer handler whenever the request
/// has an <c>Authorization</c> header (scripts keep working unchanged), else the cookie.
/// </summary>
public static class BrowserSignIn
{
    /// <summary>The default scheme: forwards to <see cref="CookieScheme"/> or the bearer scheme.</summary>
    public const string PolicyScheme = "EdgeSync";
    public const string CookieScheme = "EdgeSyncSession";
    public const string CookieName = "edgesync_session";
    public const string AntiforgeryCookieName = "edgesync_csrf";
    /// <summary>The header a cookie-authenticated state-changing request carries the anti-forgery token in.</summary>
    public const string AntiforgeryHeader = "X-CSRF-Token";
    public const string AntiforgeryFormField = "csrf_token";
    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";
    public const string ReturnUrlParameter = "return_url";
    public const string Section = "Auth:Browser";

    public static IServiceCollection AddBrowserSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<BrowserSignInOptions>(configuration.GetSection(Section));

        // Keys shared by every node through PostgreSQL: a cookie or anti-forgery token issued by
        // one node is read by any other behind the same load balancer.
        services.AddDataProtection().SetApplicationName("edgesync");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>, StoredKeyRingSetup>();

        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = AntiforgeryCookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            options.HeaderName = AntiforgeryHeader;
            options.FormFieldName = AntiforgeryFormField;
        });

        // Registered after AddEdgeSyncAuth: these defaults replace the bearer-only ones.
        services.Configure<AuthenticationOptions>(options =>
        {
            options.DefaultScheme = PolicyScheme;
            options.DefaultAuthenticateScheme = PolicyScheme;
            options.DefaultChallengeScheme = PolicyScheme;
            options.DefaultForbidScheme = PolicyScheme;
        });
        var authentication = services.AddAuthentication()
            .AddPolicyScheme(PolicyScheme, "Bearer token or browser session", options => options.ForwardDefaultSelector = SelectScheme)
            .AddCookie(CookieScheme);
        // Only when configured: a remote scheme's handler looks at every request (for its callback
        // path) and its options must then be complete.
        if (BrowserOidc.IsConfigured(configuration))
        {
            authentication.AddOpenIdConnect(BrowserOidc.Scheme, "OpenID Connect", _ => { });
            services.AddOptions<OpenIdConnectOptions>(BrowserOidc.Scheme)
                .Configure<IOptions<BrowserSignInOptions>, IOptions<AuthSetup.AuthSettingsHolder>>((options, browser, auth) =>
                    BrowserOidc.Configure(options, configuration, browser.Value, auth.Value.Settings!.RequireHttpsMetadata ?? true));
        }
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<IOptions<BrowserSignInOptions>>((options, browser) => BrowserSessionCookie.Configure(options, browser.Value));
        services.AddSingleton<IPostConfigureOptions<JwtBearerOptions>, LoginTokenSource>();

        // The API's problem answers stay; a browser navigating to a page gets a page instead.
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationMiddlewareResultHandler, BrowserAuthorizationResultHandler>());
        return services;
    }

    /// <summary>
    /// Bearer when the request names a token; the cookie when it carries the session or is a
    /// browser navigation (so that a signed-out visit is sent to the login page); else bearer, so
    /// that an API call without credentials gets the usual 401 problem.
    /// </summary>
    internal static string SelectScheme(HttpContext context)
    {
        if (!string.IsNullOrEmpty(context.Request.Headers.Authorization))
            return JwtBearerDefaults.AuthenticationScheme;
        if (context.Request.Cookies.ContainsKey(CookieName) || BrowserRequests.IsNavigation(context))
            return CookieScheme;
        return JwtBearerDefaults.AuthenticationScheme;
    }

    /// <summary>
    /// True when the caller was authenticated by the session cookie: without an
    /// <c>Authorization</c> header the policy scheme reads nothing else (whichever way the session
    /// was made: pasted token or OpenID Connect).
    /// </summary>
    public static bool IsCookieSession(HttpContext context)
        => context.User.Identity?.IsAuthenticated == true && string.IsNullOrEmpty(context.Request.Headers.Authorization);
}
