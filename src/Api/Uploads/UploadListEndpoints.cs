using EdgeSync.Api.Http;
using EdgeSync.Uploads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Uploads;

/// <summary>The operators' view of bulk uploads under <c>/projects/{project_id}/edge/uploads</c> (View permission).</summary>
public static class UploadListEndpoints
{
    public static RouteGroupBuilder MapUploadListEndpoints(this RouteGroupBuilder edge)
    {
        edge.MapGet("/uploads", List)
            .WithName("listUploads")
            .WithSummary("Uploads granted to the project's devices, filtered by state; newest first")
            .Produces<ApiPage<UploadView>>();
        edge.MapGet("/uploads/{upload_id:guid}", Get)
            .WithName("getUpload")
            .WithSummary("One upload and its state")
            .Produces<ApiEnvelope<UploadView>>();
        return edge;
    }

    private static async Task<IResult> List(
        [FromRoute(Name = "project_id")] Guid projectId, Paging paging, UploadStore store,
        [FromQuery(Name = "device_id")] Guid? deviceId, [FromQuery(Name = "source_table")] string? sourceTable, [FromQuery] string? state,
        [FromQuery(Name = "lineage_id")] Guid? lineageId, CancellationToken ct)
    {
        if (state is not null && !UploadStates.All.Contains(state))
            return ApiProblem.Validation("state", $"'state' must be one of {string.Join(", ", UploadStates.All)}.");
        var (items, total) = await store.PageAsync(new UploadFilter(projectId, deviceId, sourceTable, state, lineageId), paging.Page, paging.Limit, ct);
        return ApiResponse.Page(items.Select(UploadView.From).ToList(), paging, total);
    }

    private static async Task<IResult> Get(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "upload_id")] Guid uploadId, UploadStore store, CancellationToken ct)
    {
        var upload = await store.FindAsync(uploadId, ct);
        // Another project's upload is as unknown as one that never existed.
        return upload is null || upload.ProjectId != projectId
            ? ApiProblem.NotFound("upload_not_found", $"Upload {uploadId} does not exist.")
            : ApiResponse.Ok(UploadView.From(upload));
    }
}

/// <summary>An upload as the API shows it (never its URL: that is a credential).</summary>
public sealed record UploadView(
    Guid UploadId, Guid DeviceId, Guid LineageId, string SourceTable, string SegmentKind, string State, long? Bytes,
    DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt, DateTimeOffset? UploadedAt, DateTimeOffset? FinalizedAt, Guid? BatchId, long? RowsIngested,
    string? Detail)
{
    public static UploadView From(Upload u) => new(u.UploadId, u.DeviceId, u.LineageId, u.SourceTable, u.SegmentKind, u.State, u.Bytes,
        u.GrantedAt, u.ExpiresAt, u.UploadedAt, u.FinalizedAt, u.BatchId, u.RowsIngested, u.Detail);
}
