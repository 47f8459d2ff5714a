using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Cli;

/// <summary>A node serving HTTP on a real port, as the CLI reaches it, with one project for the CLI tests.</summary>
public sealed class CliNodeFixture : IAsyncLifetime
{
    public NodeFixture Node { get; } = new() { ServeHttpOverTcp = true };

    public async Task InitializeAsync() => await Node.InitializeAsync();

    public Task DisposeAsync() => Node.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class CliNodeCollection : ICollectionFixture<CliNodeFixture>
{
    public const string Name = "cli-node";
}
