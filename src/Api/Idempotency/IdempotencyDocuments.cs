using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSync.Api.Idempotency;

/// <summary>
/// The API's own Marten document, declared apart from the rest of the API so that the migrate
/// command, which builds the store without the API, creates its table too.
/// </summary>
public static class IdempotencyDocuments
{
    public static IServiceCollection AddIdempotencyDocuments(this IServiceCollection services) =>
        services.ConfigureMarten(options => options.Schema.For<IdempotencyRecord>().Index(r => r.ExpiresAt));
}
