using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api.Auth;

/// <summary>
/// The server-rendered pages of the browser sign-in (login, 403). Every value is HTML-encoded;
/// the pages carry no script at all and a strict Content-Security-Policy.
/// </summary>
internal static class BrowserPages
{
    /// <summary>Scripts, styles and connections from this origin only; no inline code, no framing, forms post here only.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void ApplySecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
    }

    public sealed record LoginModel(string CsrfToken, string ReturnUrl, string? Error, string? OidcUrl);

    public static Task LoginAsync(HttpContext context, LoginModel model, int status = StatusCodes.Status200OK)
    {
        var e = HtmlEncoder.Default;
        var body = new StringBuilder();
        body.Append("<main class=\"signin\"><h1>EdgeSync</h1><p class=\"muted\">Sign in to the lineage board.</p>");
        if (model.Error is not null)
            body.Append("<p class=\"error\" id=\"login-error\" role=\"alert\">").Append(e.Encode(model.Error)).Append("</p>");
        body.Append("<form method=\"post\" action=\"").Append(e.Encode(Url(context, BrowserSignIn.LoginPath))).Append("\">")
            .Append("<input type=\"hidden\" name=\"").Append(BrowserSignIn.AntiforgeryFormField).Append("\" value=\"").Append(e.Encode(model.CsrfToken)).Append("\">")
            .Append("<input type=\"hidden\" name=\"").Append(BrowserSignIn.ReturnUrlParameter).Append("\" value=\"").Append(e.Encode(model.ReturnUrl)).Append("\">")
            .Append("<label for=\"token\">Access token</label>")
            .Append("<textarea id=\"token\" name=\"token\" rows=\"6\" required autocomplete=\"off\" spellcheck=\"false\" ")
            .Append("placeholder=\"Paste a bearer token (JWT)\"></textarea>")
            .Append("<button type=\"submit\" id=\"sign-in\">Sign in</button></form>");
        if (model.OidcUrl is not null)
            body.Append("<p class=\"or\">or</p><p><a class=\"button\" id=\"sign-in-oidc\" href=\"").Append(e.Encode(model.OidcUrl))
                .Append("\">Sign in with OpenID Connect</a></p>");
        body.Append("<p class=\"muted small\">The token is checked once; the browser then keeps an HTTP-only session cookie that ends when the token expires.</p></main>");
        return WriteAsync(context, status, "Sign in · EdgeSync", body.ToString());
    }

    public static Task ForbiddenAsync(HttpContext context)
    {
        var body = "<main class=\"signin\"><h1 id=\"forbidden\">403 · Not allowed</h1>" +
                   "<p>Your session does not grant this page. The Orleans dashboard is for platform administrators (PLATFORM_ADMIN).</p>" +
                   $"<p><a href=\"{HtmlEncoder.Default.Encode(Url(context, "/board"))}\">Back to the board</a></p></main>";
        return WriteAsync(context, StatusCodes.Status403Forbidden, "Not allowed · EdgeSync", body);
    }

    /// <summary>A path below the request's path base (a gateway's prefix included).</summary>
    public static string Url(HttpContext context, string path) => $"{context.Request.PathBase}{path}";

    private static async Task WriteAsync(HttpContext context, int status, string title, string body)
    {
        var response = context.Response;
        response.StatusCode = status;
        ApplySecurityHeaders(response);
        response.ContentType = "text/html; charset=utf-8";
        var css = HtmlEncoder.Default.Encode(Url(context, "/board/assets/board.css"));
        await response.WriteAsync(
            $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
            $"<title>{HtmlEncoder.Default.Encode(title)}</title><link rel=\"stylesheet\" href=\"{css}\"></head><body class=\"page\">{body}</body></html>");
    }
}
