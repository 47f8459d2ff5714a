using Microsoft.AspNetCore.Http;

namespace EdgeSync.Api.Auth;

/// <summary>Tells a browser opening a page from a script calling the API.</summary>
public static class BrowserRequests
{
    /// <summary>
    /// A GET that accepts HTML: what a browser sends when it opens a page. Scripts and the
    /// board's own fetch calls ask for JSON and keep getting problem details.
    /// </summary>
    public static bool IsNavigation(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            return false;
        foreach (var accept in request.Headers.Accept)
            if (accept is not null && accept.Contains("text/html", StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }

    /// <summary>
    /// A return address that stays on this site: a path starting with one <c>/</c> (no scheme,
    /// no <c>//host</c>, no backslash tricks); anything else becomes <paramref name="fallback"/>.
    /// </summary>
    public static string LocalReturnUrl(string? candidate, string fallback)
    {
        if (string.IsNullOrEmpty(candidate) || candidate.Length > 2048 || candidate[0] != '/')
            return fallback;
        if (candidate.Length > 1 && (candidate[1] == '/' || candidate[1] == '\\'))
            return fallback;
        foreach (var c in candidate)
            if (char.IsControl(c) || c == '\\')
                return fallback;
        return candidate;
    }
}
