using System.Xml.Linq;
using Marten;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeSync.Api.Auth;

/// <summary>Marten document: one data protection key (the XML ASP.NET Core writes for it).</summary>
public sealed class DataProtectionKeyDocument
{
    public string Id { get; set; } = "";
    public string Xml { get; set; } = "";
}

/// <summary>
/// The data protection key ring in PostgreSQL, so every node of a cluster protects and reads
/// session cookies and anti-forgery tokens with the same keys.
/// </summary>
internal sealed class StoredKeyRing(IDocumentStore store) : IXmlRepository
{
    // The key manager calls these synchronously, but rarely: when it first needs the ring, when it
    // refreshes it (about daily, or on a key it does not know) and when it makes a new key (every
    // few months). Marten only reads asynchronously, so these block a pool thread for one query.
    public IReadOnlyCollection<XElement> GetAllElements()
        => Task.Run(async () =>
        {
            await using var session = store.QuerySession();
            var keys = await session.Query<DataProtectionKeyDocument>().ToListAsync();
            return (IReadOnlyCollection<XElement>)keys.Select(k => XElement.Parse(k.Xml)).ToList();
        }).GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName)
        => Task.Run(async () =>
        {
            await using var session = store.LightweightSession();
            session.Store(new DataProtectionKeyDocument
            {
                Id = string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString() : friendlyName,
                Xml = element.ToString(SaveOptions.DisableFormatting),
            });
            await session.SaveChangesAsync();
        }).GetAwaiter().GetResult();
}

internal sealed class StoredKeyRingSetup(IServiceProvider services) : IConfigureOptions<KeyManagementOptions>
{
    public void Configure(KeyManagementOptions options)
        => options.XmlRepository = new StoredKeyRing(services.GetRequiredService<IDocumentStore>());
}
