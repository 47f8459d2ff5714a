using EdgeSync.Api.Uploads;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Edge;

/// <summary>
/// Edge sync API under <c>/projects/{project_id}/edge</c>. Reads come from Marten read models and
/// the service tables — never from a fan-out over lineage grains; commands go to the one grain
/// that owns the lineage.
/// </summary>
public static class EdgeEndpoints
{
    public static IEndpointRouteBuilder MapEdgeEndpoints(this IEndpointRouteBuilder app)
    {
        var edge = app.MapProjectGroup("/edge").WithTags("Edge sync");
        edge.MapLineageEndpoints();
        edge.MapLineageCommandEndpoints();
        edge.MapPoisonRowEndpoints();
        edge.MapReviewEndpoints();
        edge.MapSchemaGroupEndpoints();
        edge.MapRegistryEndpoints();
        edge.MapPolicyEndpoints();
        edge.MapRejectionEndpoints();
        edge.MapEventStreamEndpoints();
        edge.MapUploadListEndpoints();
        return app;
    }
}
