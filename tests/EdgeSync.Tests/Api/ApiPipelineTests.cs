using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using EdgeSync.Api;
using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;

namespace EdgeSync.Tests.Api;

/// <summary>
/// The API pipeline on a lean host (API + Marten, no silo or broker) with a path base, trusted
/// proxies and a failing endpoint — settings the shared node does not use.
/// </summary>
public sealed class ApiPipelineTests : IAsyncLifetime
{
    private const string TrustedProxy = "10.9.8.7";
    private WebApplication? _app;
    private TestServer Server => _app!.GetTestServer();
    private IConfiguration Configuration => _app!.Configuration;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Issuer"] = "edgesync-dev",
            ["Auth:Audience"] = "edgesync",
            ["Auth:SigningKey"] = "pipeline-test-signing-key-0123456789-abcdef",
            ["Api:PathBase"] = "/edgesync/",
            ["Api:KnownProxies:0"] = TrustedProxy,
        });
        builder.Services.AddEdgeSyncStore(await TestDatabase.CreateAsync("api"));
        builder.Services.AddEdgeSyncApi(builder.Configuration);
        _app = builder.Build();
        _app.UseEdgeSyncApi();
        _app.MapEdgeSyncApi();
        var probes = _app.MapApiGroup();
        probes.MapGet("/boom", IResult () => throw new InvalidOperationException("secret internals"));
        probes.MapGet("/paging-probe", ([AsParameters] Paging paging) => ApiResponse.Page(Array.Empty<int>(), paging, 0));
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }

    private Task<HttpContext> SendAsync(string method, string path, string? remote = null, string? prefix = null, string? body = null, params string[] permissions)
        => Server.SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Path = path;
            context.Connection.RemoteIpAddress = IPAddress.Parse(remote ?? "127.0.0.1");
            if (prefix is not null)
                context.Request.Headers["X-Forwarded-Prefix"] = prefix;
            context.Request.Headers.Authorization = "Bearer " + DevTokens.Mint(Configuration, permissions);
            if (body is not null)
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Request.ContentType = "application/json";
                context.Request.ContentLength = bytes.Length;
                context.Request.Body = new MemoryStream(bytes);
                context.Features.Set<IHttpRequestBodyDetectionFeature>(new HasBody());
            }
        });

    private sealed class HasBody : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => true;
    }

    private static string CreateBody() => $"{{\"name\":\"pipeline\",\"topic_slug\":\"{ApiTestHelpers.UniqueSlug()}\"}}";

    [Fact]
    public async Task Path_base_is_honoured()
    {
        var created = await SendAsync("POST", "/edgesync/core/api/v1/projects", body: CreateBody(), permissions: Grants.PlatformAdmin);
        Assert.True(created.Response.StatusCode == StatusCodes.Status201Created,
            $"{created.Response.StatusCode}: {await new StreamReader(created.Response.Body).ReadToEndAsync()}");
        Assert.StartsWith("/edgesync/core/api/v1/projects/", created.Response.Headers.Location.ToString());

        var document = await SendAsync("GET", "/edgesync/openapi/v1.json");
        Assert.Equal(StatusCodes.Status200OK, document.Response.StatusCode);
    }

    [Fact]
    public async Task Forwarded_prefix_is_applied_only_from_trusted_proxies()
    {
        var trusted = await SendAsync("POST", "/edgesync/core/api/v1/projects", TrustedProxy, "/gateway", CreateBody(), Grants.PlatformAdmin);
        Assert.StartsWith("/gateway/edgesync/core/api/v1/projects/", trusted.Response.Headers.Location.ToString());

        var loopback = await SendAsync("POST", "/edgesync/core/api/v1/projects", "127.0.0.1", "/gateway", CreateBody(), Grants.PlatformAdmin);
        Assert.StartsWith("/gateway/edgesync/", loopback.Response.Headers.Location.ToString());

        var untrusted = await SendAsync("POST", "/edgesync/core/api/v1/projects", "10.1.1.1", "/gateway", CreateBody(), Grants.PlatformAdmin);
        Assert.StartsWith("/edgesync/core/api/v1/projects/", untrusted.Response.Headers.Location.ToString());
    }

    [Fact]
    public async Task Unhandled_errors_are_internal_error_problems_without_details()
    {
        var context = await SendAsync("GET", "/edgesync/core/api/v1/boom", permissions: Grants.PlatformAdmin);
        Assert.Equal(StatusCodes.Status500InternalServerError, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        var problem = JsonNode.Parse(body)!;
        Assert.Equal("internal_error", (string?)problem["code"]);
        Assert.NotNull(problem["trace_id"]);
        Assert.DoesNotContain("secret internals", body);
        Assert.DoesNotContain("InvalidOperationException", body);
        Assert.DoesNotContain(" at ", body);
    }

    [Theory]
    [InlineData("", 200, 1, 50, "")]
    [InlineData("?page=3&limit=7", 200, 3, 7, "")]
    [InlineData("?page=0&limit=501", 400, 0, 0, "limit,page")]
    [InlineData("?page=abc", 400, 0, 0, "page")]
    public async Task Paging_also_binds_with_AsParameters(string query, int status, int page, int limit, string errors)
    {
        var context = await Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/edgesync/core/api/v1/paging-probe";
            c.Request.QueryString = new QueryString(query);
            c.Request.Headers.Authorization = "Bearer " + DevTokens.Mint(Configuration, []);
        });
        var json = JsonNode.Parse(await new StreamReader(context.Response.Body).ReadToEndAsync())!;
        Assert.True(status == context.Response.StatusCode, json.ToJsonString());
        if (status == 200)
        {
            Assert.Equal(page, (int?)json["meta"]!["current_page"]);
            Assert.Equal(limit, (int?)json["meta"]!["items_per_page"]);
        }
        else
        {
            Assert.Equal("validation_failed", (string?)json["code"]);
            Assert.Equal(errors, string.Join(',', json["errors"]!.AsObject().Select(e => e.Key).Order()));
        }
    }
}
