using System.Net;
using System.Text.RegularExpressions;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSync.Tests.Board;

/// <summary>The session cookie's flags and lifetime, read from the raw HTTP answers of the login page.</summary>
[Collection(BoardCollection.Name)]
public sealed partial class BrowserSignInTests(BoardFixture fixture)
{
    private NodeFixture Node => fixture.Node;

    /// <summary>A client that keeps cookies by hand (a cookie jar would refuse Secure cookies over plain HTTP).</summary>
    private sealed class RawBrowser(BoardFixture fixture, string? forwardedProto = null) : IDisposable
    {
        private readonly HttpClient _http = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });
        private readonly Dictionary<string, string> _cookies = [];
        public List<string> SetCookies { get; } = [];

        public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string accept = "text/html")
        {
            var request = new HttpRequestMessage(method, fixture.Url(path)) { Content = content };
            request.Headers.Add("Accept", accept);
            if (forwardedProto is not null)
                request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            if (_cookies.Count > 0)
                request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
            var response = await _http.SendAsync(request);
            if (response.Headers.TryGetValues("Set-Cookie", out var values))
            {
                foreach (var value in values)
                {
                    SetCookies.Add(value);
                    var pair = value.Split(';')[0].Split('=', 2);
                    if (pair[1].Length == 0)
                        _cookies.Remove(pair[0]);
                    else
                        _cookies[pair[0]] = pair[1];
                }
            }
            return response;
        }

        public async Task<HttpResponseMessage> SignInAsync(string token, string returnUrl = "/board")
        {
            var page = await (await SendAsync(HttpMethod.Get, "/login")).Content.ReadAsStringAsync();
            var csrf = CsrfField().Match(page).Groups[1].Value;
            return await SendAsync(HttpMethod.Post, "/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["csrf_token"] = WebUtility.HtmlDecode(csrf),
                ["token"] = token,
                ["return_url"] = returnUrl,
            }));
        }

        public void Dispose() => _http.Dispose();
    }

    [Fact]
    public async Task The_session_cookie_is_secure_when_the_request_came_over_https_through_a_trusted_gateway()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        using var plain = new RawBrowser(fixture);
        var signedIn = await plain.SignInAsync(Node.Viewer(projectId));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var session = Assert.Single(plain.SetCookies, c => c.StartsWith("edgesync_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure;", session + ";", StringComparison.OrdinalIgnoreCase);

        // The loopback gateway is trusted by default (Api:KnownProxies / Api:KnownNetworks add others).
        using var gateway = new RawBrowser(fixture, forwardedProto: "https");
        Assert.Equal(HttpStatusCode.SeeOther, (await gateway.SignInAsync(Node.Viewer(projectId))).StatusCode);
        var secure = Assert.Single(gateway.SetCookies, c => c.StartsWith("edgesync_session=", StringComparison.Ordinal));
        Assert.Contains("secure", secure, StringComparison.OrdinalIgnoreCase);
        Assert.All(gateway.SetCookies.Where(c => c.StartsWith("edgesync_csrf=", StringComparison.Ordinal)),
            c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_session_ends_when_the_pasted_token_expires()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        var token = DevTokens.Mint(Node.Services.GetRequiredService<IConfiguration>(), [$"{projectId}:PROJECT_CAN_VIEW_DEVICES"], lifetime: TimeSpan.FromSeconds(4));
        using var browser = new RawBrowser(fixture);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.SignInAsync(token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Get, "/board/api/session", accept: "application/json")).StatusCode);

        // The token's own check would still pass within its 30 s clock skew: the session must not outlive exp.
        var expired = await Eventually.GetAsync(
            () => browser.SendAsync(HttpMethod.Get, "/board/api/session", accept: "application/json"),
            r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(15), "the session to end with its token");
        Assert.Equal("application/problem+json", expired.Content.Headers.ContentType?.MediaType);
        // A browser opening the board is sent to the login page instead.
        var page = await browser.SendAsync(HttpMethod.Get, "/board");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/login?return_url=", page.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task A_login_post_without_the_anti_forgery_token_is_refused()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        using var browser = new RawBrowser(fixture);
        var response = await browser.SendAsync(HttpMethod.Post, "/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = Node.Viewer(projectId),
            ["return_url"] = "/board",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(browser.SetCookies, c => c.StartsWith("edgesync_session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sign_in_never_redirects_to_another_site()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        using var browser = new RawBrowser(fixture);
        var page = await (await browser.SendAsync(HttpMethod.Get, "/login?return_url=%2F%2Fevil.example%2Fboard")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("evil.example", page);
        var signedIn = await browser.SignInAsync(Node.Viewer(projectId), "//evil.example/board");
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal("/board", signedIn.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task The_browser_pages_are_not_in_the_OpenAPI_document()
    {
        using var http = new HttpClient();
        var document = await http.GetStringAsync(fixture.Url("/openapi/v1.json"));
        Assert.Contains("/core/api/v1/projects", document);
        foreach (var route in new[] { "\"/login", "\"/logout", "\"/board", "\"/signin-oidc", "\"/dashboard" })
            Assert.DoesNotContain(route, document);
    }

    [GeneratedRegex("name=\"csrf_token\" value=\"([^\"]*)\"")]
    private static partial Regex CsrfField();
}
