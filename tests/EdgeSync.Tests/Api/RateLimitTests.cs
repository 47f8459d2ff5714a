using System.Net;
using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

/// <summary>A node with tiny limits: three requests per caller, two per address without a token, per minute.</summary>
public sealed class TightlyLimitedNode : IAsyncLifetime
{
    public NodeFixture Node { get; } = new();

    public Task InitializeAsync()
    {
        Node.Settings["RateLimits:Window"] = "00:01:00";
        Node.Settings["RateLimits:PerCallerPermits"] = "3";
        Node.Settings["RateLimits:PerAddressPermits"] = "2";
        return Node.InitializeAsync();
    }

    public Task DisposeAsync() => Node.DisposeAsync();
}

public sealed class RateLimitTests(TightlyLimitedNode limited) : IClassFixture<TightlyLimitedNode>
{
    private NodeFixture Node => limited.Node;

    private HttpClient ClientFor(string subject, params string[] permissions)
    {
        var client = Node.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Node.MintFor(subject, permissions));
        return client;
    }

    [Fact]
    public async Task A_caller_over_its_limit_gets_429_with_retry_after_and_other_callers_are_not_limited()
    {
        var (project, _) = await Node.CreateProjectAsync();
        var view = Grants.For(project, ProjectPermission.View);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var alice = ClientFor($"alice-{suffix}", view);
        for (var i = 0; i < 3; i++)
            await (await alice.GetAsync($"{Base}/projects/{project}")).AssertOkAsync();

        var refused = await alice.GetAsync($"{Base}/projects/{project}");
        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

        // Another token of the same caller shares the budget; another caller has its own.
        using var aliceAgain = ClientFor($"alice-{suffix}", view);
        await (await aliceAgain.GetAsync($"{Base}/projects/{project}")).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        using var bob = ClientFor($"bob-{suffix}", view);
        await (await bob.GetAsync($"{Base}/projects/{project}")).AssertOkAsync();
    }

    [Fact]
    public async Task Requests_without_a_valid_token_are_limited_per_address_and_probes_and_metrics_never()
    {
        using var anonymous = Node.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            statuses.Add((await anonymous.GetAsync($"{Base}/projects/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        var refused = await anonymous.GetAsync($"{Base}/projects/{Guid.NewGuid()}");
        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(refused.Headers.RetryAfter);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics")).StatusCode);
        }
    }
}
