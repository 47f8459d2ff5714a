using EdgeSync.Api.Http;
using EdgeSync.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Edge;

public static class RejectionEndpoints
{
    public static RouteGroupBuilder MapRejectionEndpoints(this RouteGroupBuilder edge)
    {
        edge.MapGet("/rejections", List)
            .WithName("listRejections")
            .WithSummary("Batches and rows the service refused, with their rejection codes; newest first")
            .Produces<ApiPage<RejectionView>>();
        return edge;
    }

    private static async Task<IResult> List(
        [FromRoute(Name = "project_id")] Guid projectId, Paging paging, RejectionLog log,
        [FromQuery(Name = "device_id")] Guid? deviceId, [FromQuery] string? code, CancellationToken ct)
    {
        var (items, total) = await log.PageAsync(new RejectionFilter(projectId, deviceId, code), paging.Page, paging.Limit, ct);
        return ApiResponse.Page(items.Select(RejectionView.From).ToList(), paging, total);
    }
}
