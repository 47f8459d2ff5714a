using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSync.Tests.Api;

internal static class ApiTestHelpers
{
    public const string Base = "/core/api/v1";

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException($"empty body ({(int)response.StatusCode})");
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string json)
        => client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Asserts a problem response and returns its body.</summary>
    public static async Task<JsonNode> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(body)!;
        Assert.Equal(code, (string?)json["code"]);
        Assert.Equal((int)status, (int?)json["status"]);
        Assert.DoesNotContain("   at ", body); // never a stack trace
        return json;
    }

    public static async Task<JsonNode> AssertOkAsync(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        var json = JsonNode.Parse(body)!;
        Assert.Equal(1, (int?)json["ok"]);
        Assert.NotNull(json["meta"]);
        return json;
    }

    public static string Admin => Grants.PlatformAdmin;

    /// <summary>A token for a given subject (NodeFixture.MintToken always uses "dev").</summary>
    public static string MintFor(this NodeFixture node, string subject, params string[] permissions)
        => DevTokens.Mint(node.Services.GetRequiredService<IConfiguration>(), permissions, subject);

    public static string View(Guid projectId) => Grants.For(projectId, ProjectPermission.View);

    public static string Manage(Guid projectId) => Grants.For(projectId, ProjectPermission.Manage);

    public static string UniqueSlug(string prefix = "p") => $"{prefix}-{Guid.NewGuid():N}"[..20];

    /// <summary>Creates a project as PLATFORM_ADMIN; returns its id and slug.</summary>
    public static async Task<(Guid Id, string Slug)> CreateProjectAsync(this NodeFixture node, string? slug = null)
    {
        slug ??= UniqueSlug();
        using var admin = node.CreateClient(Admin);
        var response = await admin.PostJsonAsync($"{Base}/projects", new { name = $"Project {slug}", topic_slug = slug });
        var json = await response.AssertOkAsync(HttpStatusCode.Created);
        return (Guid.Parse((string)json["data"]!["id"]!), slug);
    }

    /// <summary>Registers a device as PLATFORM_ADMIN; returns the response data (with secret).</summary>
    public static async Task<JsonNode> CreateDeviceAsync(this NodeFixture node, Guid projectId, string name)
    {
        using var admin = node.CreateClient(Admin);
        var response = await admin.PostJsonAsync($"{Base}/projects/{projectId}/devices", new { name });
        return (await response.AssertOkAsync(HttpStatusCode.Created))["data"]!;
    }
}
