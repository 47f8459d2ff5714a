using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Observability;

/// <summary>A node named <see cref="Name"/> whose governance gauges refresh every 200 ms, for the metrics tests.</summary>
public sealed class ObservedNode : IAsyncLifetime
{
    public const string Name = "observed-node-1";

    public NodeFixture Node { get; } = new()
    {
        Settings =
        {
            ["Node:Name"] = Name,
            ["Metrics:GovernanceRefresh"] = "00:00:00.200",
        },
    };

    public Task InitializeAsync() => Node.InitializeAsync();

    public Task DisposeAsync() => Node.DisposeAsync();
}
