using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Board;

/// <summary>A node serving HTTP on a real port and a headless chromium to open its pages.</summary>
public sealed class BoardFixture : IAsyncLifetime
{
    public NodeFixture Node { get; } = new() { ServeHttpOverTcp = true };

    public HeadlessBrowser Browser { get; private set; } = null!;

    /// <summary>The identity provider the node offers "Sign in with OpenID Connect" for.</summary>
    public FakeIdentityProvider Identity { get; private set; } = null!;

    public string Url(string path) => $"{Node.HttpAddress}{path}";

    public async Task InitializeAsync()
    {
        Identity = await FakeIdentityProvider.StartAsync();
        Node.Settings["Auth:Authority"] = Identity.Address;
        Node.Settings["Auth:ClientId"] = "edgesync-board";
        Node.Settings["Auth:RequireHttpsMetadata"] = "false";
        await Node.InitializeAsync();
        Browser = await HeadlessBrowser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        await Node.DisposeAsync();
        if (Identity is not null)
            await Identity.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BoardCollection : ICollectionFixture<BoardFixture>
{
    public const string Name = "board";
}
