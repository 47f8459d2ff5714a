using System.Net;
using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

[Collection(NodeCollection.Name)]
public sealed class AuthApiTests(NodeFixture node)
{
    private IConfiguration NodeConfiguration => node.Services.GetRequiredService<IConfiguration>();

    private IConfiguration With(string key, string value) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Issuer"] = NodeConfiguration["Auth:Issuer"],
            ["Auth:Audience"] = NodeConfiguration["Auth:Audience"],
            ["Auth:SigningKey"] = NodeConfiguration["Auth:SigningKey"],
            [key] = value,
        })
        .Build();

    private HttpClient ClientWithToken(string token)
    {
        var client = node.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task No_token_is_401_problem()
    {
        var (projectId, _) = await node.CreateProjectAsync();
        using var anonymous = node.CreateClient();
        var response = await anonymous.GetAsync($"{Base}/projects/{projectId}");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");

        var post = await anonymous.PostJsonAsync($"{Base}/projects", new { name = "x", topic_slug = UniqueSlug() });
        await post.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Token_with_a_bad_signature_is_401()
    {
        var forged = DevTokens.Mint(With("Auth:SigningKey", "an-attacker-key-that-is-long-enough-to-sign-hs256"), [Grants.PlatformAdmin]);
        using var client = ClientWithToken(forged);
        await (await client.GetAsync($"{Base}/projects/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

        // Tampering with the payload breaks the signature too.
        var genuine = node.MintToken(Grants.For(Guid.NewGuid(), ProjectPermission.View)).Split('.');
        var admin = node.MintToken(Grants.PlatformAdmin).Split('.');
        using var tampered = ClientWithToken($"{genuine[0]}.{admin[1]}.{genuine[2]}");
        await (await tampered.GetAsync($"{Base}/projects/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Expired_token_wrong_audience_and_garbage_are_401()
    {
        var expired = DevTokens.Mint(NodeConfiguration, [Grants.PlatformAdmin], lifetime: TimeSpan.FromHours(-1));
        var otherAudience = DevTokens.Mint(With("Auth:Audience", "someone-else"), [Grants.PlatformAdmin]);
        var otherIssuer = DevTokens.Mint(With("Auth:Issuer", "someone-else"), [Grants.PlatformAdmin]);
        foreach (var token in new[] { expired, otherAudience, otherIssuer, "not-a-jwt" })
        {
            using var client = ClientWithToken(token);
            await (await client.GetAsync($"{Base}/projects/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Fact]
    public async Task Grant_on_another_project_is_403()
    {
        var (mine, _) = await node.CreateProjectAsync();
        var (theirs, _) = await node.CreateProjectAsync();
        using var client = node.CreateClient(Manage(mine));
        await (await client.GetAsync($"{Base}/projects/{theirs}")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await client.GetAsync($"{Base}/projects/{theirs}/devices")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await client.PostJsonAsync($"{Base}/projects/{theirs}/devices", new { name = "x" })).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        // A token without any permission is authenticated but granted nothing.
        using var nothing = ClientWithToken(node.MintToken());
        await (await nothing.GetAsync($"{Base}/projects/{mine}")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}
