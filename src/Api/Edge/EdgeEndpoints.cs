using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Edge;

/// <summary>
/// Edge sync read API under <c>/projects/{project_id}/edge</c>. Everything comes from Marten read
/// models and the service tables — never from a fan-out over lineage grains.
/// </summary>
public static class EdgeEndpoints
{
    public static IEndpointRouteBuilder MapEdgeEndpoints(this IEndpointRouteBuilder app)
    {
        var view = app.MapProjectGroup("/edge").WithTags("Edge sync");

        view.MapGet("/lineages", ListLineages);
        view.MapGet("/lineages/{lineage_id:guid}", GetLineage);
        view.MapGet("/lineages/{lineage_id:guid}/staged-rows", ListStagedRows);
        view.MapGet("/lineages/{lineage_id:guid}/events", ListEvents);
        view.MapGet("/schema-reviews", ListReviews);
        view.MapGet("/schema-reviews/{review_id:guid}", GetReview);
        view.MapGet("/rejections", ListRejections);
        return app;
    }

    private static async Task<IResult> ListLineages(
        [FromRoute(Name = "project_id")] Guid projectId, Paging paging, IQuerySession session,
        [FromQuery(Name = "device_id")] Guid? deviceId, [FromQuery] string? status, [FromQuery(Name = "source_table")] string? sourceTable,
        CancellationToken ct)
    {
        var query = session.Query<Lineage>().Where(l => l.ProjectId == projectId);
        if (deviceId is { } device)
            query = query.Where(l => l.DeviceId == device);
        if (!string.IsNullOrEmpty(status))
            query = query.Where(l => l.Status == status);
        if (!string.IsNullOrEmpty(sourceTable))
            query = query.Where(l => l.SourceTable == sourceTable);
        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(l => l.CreatedAt).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return ApiResponse.Page(items.Select(LineageSummary.From).ToList(), paging, total);
    }

    private static async Task<IResult> GetLineage(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, IQuerySession session, CancellationToken ct)
    {
        var lineage = await LoadLineageAsync(session, projectId, lineageId, ct);
        return lineage is null ? LineageNotFound() : ApiResponse.Ok(LineageDetail.From(lineage));
    }

    private static async Task<IResult> ListStagedRows(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, Paging paging,
        IQuerySession session, StagedRows stagedRows, CancellationToken ct)
    {
        if (await LoadLineageAsync(session, projectId, lineageId, ct) is null)
            return LineageNotFound();
        var (rows, total) = await stagedRows.PageAsync(lineageId, paging.Page, paging.Limit, ct);
        return ApiResponse.Page(rows.Select(StagedRowView.From).ToList(), paging, total);
    }

    private static async Task<IResult> ListEvents(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, Paging paging,
        IQuerySession session, CancellationToken ct)
    {
        if (await LoadLineageAsync(session, projectId, lineageId, ct) is null)
            return LineageNotFound();
        var events = session.Events.QueryAllRawEvents().Where(e => e.StreamId == lineageId);
        var total = await events.CountAsync(ct);
        var page = await events.OrderBy(e => e.Version).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return ApiResponse.Page(page.Select(e => new LineageEventView(e.Version, e.Sequence, e.EventTypeName, e.Timestamp, e.Data)).ToList(), paging, total);
    }

    private static async Task<IResult> ListReviews(
        [FromRoute(Name = "project_id")] Guid projectId, Paging paging, IQuerySession session,
        [FromQuery] string? status, [FromQuery(Name = "lineage_id")] Guid? lineageId, [FromQuery(Name = "device_id")] Guid? deviceId,
        CancellationToken ct)
    {
        var query = session.Query<SchemaReview>().Where(r => r.ProjectId == projectId);
        if (!string.IsNullOrEmpty(status))
            query = query.Where(r => r.State == status);
        if (lineageId is { } lineage)
            query = query.Where(r => r.LineageId == lineage);
        if (deviceId is { } device)
            query = query.Where(r => r.DeviceId == device);
        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(r => r.QueuedAt).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return ApiResponse.Page(items.Select(SchemaReviewView.From).ToList(), paging, total);
    }

    private static async Task<IResult> GetReview(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "review_id")] Guid reviewId, IQuerySession session, CancellationToken ct)
    {
        var review = await session.LoadAsync<SchemaReview>(reviewId, ct);
        if (review is null || review.ProjectId != projectId)
            return ApiProblem.NotFound("review_not_found", $"Schema review {reviewId} does not exist in this project.");
        var lineage = await session.LoadAsync<Lineage>(review.LineageId, ct);
        return lineage is null ? LineageNotFound() : ApiResponse.Ok(SchemaReviewDetail.From(review, lineage));
    }

    private static async Task<IResult> ListRejections(
        [FromRoute(Name = "project_id")] Guid projectId, Paging paging, RejectionLog log,
        [FromQuery(Name = "device_id")] Guid? deviceId, [FromQuery] string? code, CancellationToken ct)
    {
        var (items, total) = await log.PageAsync(new RejectionFilter(projectId, deviceId, code), paging.Page, paging.Limit, ct);
        return ApiResponse.Page(items.Select(RejectionView.From).ToList(), paging, total);
    }

    private static async Task<Lineage?> LoadLineageAsync(IQuerySession session, Guid projectId, Guid lineageId, CancellationToken ct)
    {
        var lineage = await session.LoadAsync<Lineage>(lineageId, ct);
        // Another project's lineage answers exactly as a missing one.
        return lineage?.ProjectId == projectId ? lineage : null;
    }

    private static IResult LineageNotFound() => ApiProblem.NotFound("lineage_not_found", "No such lineage in this project.");
}
