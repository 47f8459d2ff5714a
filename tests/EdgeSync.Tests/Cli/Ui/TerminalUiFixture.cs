using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Cli.Ui;

/// <summary>
/// A node whose API listens on a real TCP port, so that <c>edgesync</c> running in tmux (another
/// process) can reach it. Tests create their own project each, so they never see each other's lineages.
/// </summary>
public sealed class TerminalUiFixture : IAsyncLifetime
{
    public NodeFixture Node { get; } = new() { ServeHttpOverTcp = true };

    public Task InitializeAsync() => Node.InitializeAsync();

    public Task DisposeAsync() => Node.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class TerminalUiCollection : ICollectionFixture<TerminalUiFixture>
{
    public const string Name = "cli-terminal-ui";
}
