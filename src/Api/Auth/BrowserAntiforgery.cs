using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSync.Api.Auth;

/// <summary>The anti-forgery check of requests made with the browser session.</summary>
public static class BrowserAntiforgery
{
    /// <summary>
    /// A cookie-authenticated request that changes state must carry the anti-forgery token (header
    /// <see cref="BrowserSignIn.AntiforgeryHeader"/> or form field): a cross-site form or script can send the
    /// cookie only with SameSite bugs, and never the token. Bearer calls are not affected.
    /// </summary>
    public static IApplicationBuilder UseBrowserAntiforgery(this IApplicationBuilder app)
        => app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            if (IsStateChanging(context.Request.Method) && BrowserSignIn.IsCookieSession(context))
            {
                var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
                if (!await antiforgery.IsRequestValidAsync(context))
                {
                    await Http.ApiProblem.Create(StatusCodes.Status403Forbidden, FailedCode,
                            $"A request made with the browser session must carry the anti-forgery token in the {BrowserSignIn.AntiforgeryHeader} header.")
                        .ExecuteAsync(context);
                    return;
                }
            }
            await next(context);
        });

    public const string FailedCode = "antiforgery_token_invalid";

    private static bool IsStateChanging(string method)
        => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));
}
