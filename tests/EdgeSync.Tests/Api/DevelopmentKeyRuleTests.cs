using System.Net;
using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

/// <summary>The development signing key that appsettings.json ships works only where it is meant to.</summary>
public sealed class DevelopmentKeyRuleTests
{
    private static readonly Dictionary<string, string> Production = new() { ["ASPNETCORE_ENVIRONMENT"] = "Production" };

    [Fact]
    [Trait("Category", "Fast")]
    public void The_key_appsettings_ships_is_recognised_as_the_development_key()
    {
        var shipped = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false)
            .Build();
        Assert.Equal(AuthSettings.DevelopmentSigningKey, shipped["Auth:SigningKey"]);
        Assert.True(AuthSettings.From(shipped).IsDevelopmentKey);

        var own = new ConfigurationBuilder().AddConfiguration(shipped)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:SigningKey"] = "base64:" + Convert.ToBase64String(new byte[32]) })
            .Build();
        Assert.False(AuthSettings.From(own).IsDevelopmentKey);
    }

    [Fact]
    public async Task A_production_node_with_the_development_key_refuses_to_start_with_a_clear_message()
    {
        await using var node = NodeProcess.Launch(await TestDatabase.CreateAsync(), NodeProcess.Ports.Free(), Production);
        await node.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(4, node.ExitCode);
        Assert.DoesNotContain("Unhandled exception", node.Log);
        Assert.Contains("Auth:SigningKey is the development key", node.Log);
        Assert.Contains("Auth:AllowDevelopmentKey=true", node.Log);
    }

    [Fact]
    public async Task A_production_node_accepts_the_development_key_when_it_is_allowed_explicitly()
    {
        var ports = NodeProcess.Ports.Free();
        await using var node = await NodeProcess.StartAsync(await TestDatabase.CreateAsync(), ports,
            new Dictionary<string, string>(Production) { ["Auth:AllowDevelopmentKey"] = "true" });

        var shipped = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false)
            .Build();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Mint(shipped, [Grants.PlatformAdmin]));
        await (await http.GetAsync($"{Base}/projects/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound, "project_not_found");
    }
}
