using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Uploads;

/// <summary>A node whose uploads may hold at most 2 MiB, so that an oversized object is quick to send.</summary>
public sealed class UploadNodeFixture : IAsyncLifetime
{
    public const long MaxObjectBytes = 2 << 20;

    public NodeFixture Node { get; } = new();

    public async Task InitializeAsync()
    {
        Node.Settings["Uploads:MaxObjectBytes"] = MaxObjectBytes.ToString();
        await Node.InitializeAsync();
    }

    public Task DisposeAsync() => Node.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class UploadNodeCollection : ICollectionFixture<UploadNodeFixture>
{
    public const string Name = "upload node";
}
