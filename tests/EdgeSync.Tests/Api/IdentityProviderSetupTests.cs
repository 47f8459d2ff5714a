using System.Net;
using EdgeSync.Api;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

/// <summary>An identity provider that cannot be reached, or is not https where it must be, on a lean API host (API + Marten).</summary>
public sealed class IdentityProviderSetupTests
{
    private static async Task<WebApplication> BuildAsync(string environment, string authority)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Authority"] = authority,
            ["Auth:Audience"] = "edgesync",
            ["Auth:SigningKey"] = "", // the provider alone
        });
        builder.Services.AddEdgeSyncStore(await TestDatabase.CreateAsync("idp"));
        builder.Services.AddEdgeSyncApi(builder.Configuration);
        var app = builder.Build();
        app.UseEdgeSyncApi();
        app.MapEdgeSyncApi();
        return app;
    }

    [Fact]
    public async Task Tokens_are_401_not_500_while_the_identity_provider_cannot_be_reached()
    {
        await using var app = await BuildAsync("Development", $"http://127.0.0.1:{FreePort.Next()}");
        await app.StartAsync();
        await using var provider = await TestIdentityProvider.StartAsync(); // signs, but is not the configured one
        using var client = app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", provider.Mint([Grants.PlatformAdmin]));
        await (await client.GetAsync($"{Base}/projects/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Tokens_with_made_up_keys_make_the_node_read_the_key_set_at_most_once_per_interval()
    {
        await using var provider = await TestIdentityProvider.StartAsync();
        await using var app = await BuildAsync("Development", provider.Authority);
        await app.StartAsync();
        using var client = app.GetTestClient();

        client.DefaultRequestHeaders.Authorization = new("Bearer", provider.Mint([Grants.PlatformAdmin]));
        await (await client.GetAsync($"{Base}/projects/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound, "project_not_found");
        var afterFirstRead = provider.KeyRequests;

        for (var i = 0; i < 5; i++)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", provider.Mint([Grants.PlatformAdmin], key: TestIdentityProvider.Unpublished()));
            await (await client.GetAsync($"{Base}/projects/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }
        // One read for the first unknown key; the others fall within Auth:UnknownKeyRefreshInterval (1 min).
        Assert.Equal(afterFirstRead + 1, provider.KeyRequests);
    }

    [Fact]
    public async Task Outside_development_a_plain_http_authority_stops_the_start_with_the_reason()
    {
        await using var app = await BuildAsync("Production", "http://idp.example");
        var refused = await Assert.ThrowsAsync<UnsafeAuthConfigurationException>(() => app.StartAsync());
        Assert.Contains("Auth:Authority must be an https URL", refused.Message);
    }
}
