using System.Collections.Frozen;
using EdgeSync.Api.Edge;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EdgeSync.Api.Board;

/// <summary>
/// Server-sent events for the board: every event of the project's lineages (staged batches and
/// lineage creation included, which the governance notifications leave out), named by its stored
/// event name. Same machinery and resume rules as the API's notification stream.
/// </summary>
internal sealed class BoardChangeFeed(Guid projectId, long? after) : IResult
{
    private static readonly FrozenDictionary<string, string> EveryLineageEvent =
        LineageEventNames.ByType.Values.ToFrozenDictionary(name => name, name => name, StringComparer.Ordinal);

    /// <summary>The SSE event name of every message (the data's <c>type</c> is the stored event name).</summary>
    public const string MessageName = "change";

    public async Task ExecuteAsync(HttpContext http)
    {
        // Without a position the feed starts now: the page opens it before it reads the lineages, so
        // a change in between is seen twice rather than missed.
        var start = after ?? await SequenceHighWater.CurrentAsync(
            http.RequestServices.GetRequiredService<NpgsqlDataSource>(), http.RequestServices.GetRequiredService<EdgeStoreSettings>(), http.RequestAborted);
        await new GovernanceEventStream(projectId, start, EveryLineageEvent, MessageName).ExecuteAsync(http);
    }
}
