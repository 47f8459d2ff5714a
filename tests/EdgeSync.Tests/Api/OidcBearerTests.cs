using System.Net;
using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using EdgeSync.Tests.Infrastructure;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

/// <summary>A node trusting an identity provider (<c>Auth:Authority</c>) next to the development key.</summary>
public class OidcNode : IAsyncLifetime
{
    public TestIdentityProvider Provider { get; private set; } = null!;
    public NodeFixture Node { get; } = new();

    protected virtual void Configure(Dictionary<string, string?> settings) { }

    public async Task InitializeAsync()
    {
        Provider = await TestIdentityProvider.StartAsync();
        Node.Settings["Auth:Authority"] = Provider.Authority;
        Configure(Node.Settings);
        await Node.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Provider.DisposeAsync();
    }

    public HttpClient ClientWith(string token)
    {
        var client = Node.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

/// <summary>The same, reading the key set again every second (retired keys stop working).</summary>
public sealed class FastRefreshingOidcNode : OidcNode
{
    protected override void Configure(Dictionary<string, string?> settings)
        => settings["Auth:KeysRefreshInterval"] = "00:00:01";
}

public sealed class OidcBearerTests(OidcNode oidc) : IClassFixture<OidcNode>
{
    [Fact]
    public async Task Identity_provider_tokens_are_accepted_and_their_permissions_scope_projects_as_development_tokens_do()
    {
        var (mine, _) = await oidc.Node.CreateProjectAsync(); // with a development token: both are accepted
        var (other, _) = await oidc.Node.CreateProjectAsync();

        using var viewer = oidc.ClientWith(oidc.Provider.Mint([Grants.For(mine, ProjectPermission.View)]));
        await (await viewer.GetAsync($"{Base}/projects/{mine}")).AssertOkAsync();
        await (await viewer.GetAsync($"{Base}/projects/{other}")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await viewer.PostJsonAsync($"{Base}/projects", new { name = "x", topic_slug = UniqueSlug() }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        using var admin = oidc.ClientWith(oidc.Provider.Mint([Grants.PlatformAdmin]));
        await (await admin.GetAsync($"{Base}/projects/{other}")).AssertOkAsync();
    }

    [Fact]
    public async Task A_rotated_key_is_followed_at_the_first_token_it_signs_without_restarting_the_node()
    {
        var (project, _) = await oidc.Node.CreateProjectAsync();
        var view = Grants.For(project, ProjectPermission.View);
        var before = oidc.Provider.Current;
        using (var old = oidc.ClientWith(oidc.Provider.Mint([view], key: before)))
            await (await old.GetAsync($"{Base}/projects/{project}")).AssertOkAsync();

        // The node has read the key set; the provider now signs with a key it has not seen.
        var rotated = oidc.Provider.Rotate();
        using (var fresh = oidc.ClientWith(oidc.Provider.Mint([view], key: rotated)))
            await (await fresh.GetAsync($"{Base}/projects/{project}")).AssertOkAsync();

        // Keys still published keep working.
        using (var old = oidc.ClientWith(oidc.Provider.Mint([view], key: before)))
            await (await old.GetAsync($"{Base}/projects/{project}")).AssertOkAsync();
    }
}

public sealed class OidcKeyRefreshTests(FastRefreshingOidcNode oidc) : IClassFixture<FastRefreshingOidcNode>
{
    [Fact]
    public async Task A_retired_key_stops_being_accepted_once_the_key_set_is_read_again()
    {
        var (project, _) = await oidc.Node.CreateProjectAsync();
        var retiring = oidc.Provider.Current;
        using var client = oidc.ClientWith(oidc.Provider.Mint([Grants.For(project, ProjectPermission.View)], key: retiring));
        await (await client.GetAsync($"{Base}/projects/{project}")).AssertOkAsync();

        oidc.Provider.Rotate();
        oidc.Provider.Retire(retiring);
        await Eventually.GetAsync(() => client.GetAsync($"{Base}/projects/{project}"),
            r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(20), "the retired key to be refused");
    }

    [Fact]
    public async Task Tokens_with_a_wrong_audience_issuer_or_an_unpublished_key_are_401()
    {
        var (project, _) = await oidc.Node.CreateProjectAsync();
        string[] grants = [Grants.For(project, ProjectPermission.View)];
        using (var good = oidc.ClientWith(oidc.Provider.Mint(grants)))
            await (await good.GetAsync($"{Base}/projects/{project}")).AssertOkAsync();

        foreach (var token in new[]
                 {
                     oidc.Provider.Mint(grants, audience: "someone-else"),
                     oidc.Provider.Mint(grants, issuer: "https://impostor.example"),
                     oidc.Provider.Mint(grants, key: TestIdentityProvider.Unpublished()),
                 })
        {
            using var client = oidc.ClientWith(token);
            await (await client.GetAsync($"{Base}/projects/{project}")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Fact]
    public async Task Es256_tokens_from_the_identity_provider_are_accepted()
    {
        var (project, _) = await oidc.Node.CreateProjectAsync();
        var ec = oidc.Provider.RotateToEcdsa();
        using var client = oidc.ClientWith(oidc.Provider.Mint([Grants.For(project, ProjectPermission.View)], key: ec));
        // The node reads the key set every second, or at once for an unknown key.
        await Eventually.GetAsync(() => client.GetAsync($"{Base}/projects/{project}"),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the ES256 token to be accepted");
    }
}
