using EdgeSync.Api.Auth;
using EdgeSync.Api.Idempotency;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSync.Api;

/// <summary>
/// The API's own Marten documents, declared apart from the rest of the API so that the migrate
/// command, which builds the store without the API, creates their tables too: a node without DDL
/// rights could not create them on first use.
/// </summary>
public static class ApiDocuments
{
    public static IServiceCollection AddApiDocuments(this IServiceCollection services) =>
        services.ConfigureMarten(options =>
        {
            options.Schema.For<IdempotencyRecord>().Index(r => r.ExpiresAt);
            // The browser sessions' data protection keys, shared by every node.
            options.Schema.For<DataProtectionKeyDocument>();
        });
}
