using EdgeSync.Api.Http;
using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Storage;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Edge;

public static class LineageEndpoints
{
    public static RouteGroupBuilder MapLineageEndpoints(this RouteGroupBuilder edge)
    {
        edge.MapGet("/lineages", List)
            .WithName("listLineages")
            .WithSummary("List the project's lineages, filtered by device, status or source table; oldest first")
            .Produces<ApiPage<LineageSummary>>();
        edge.MapGet("/lineages/{lineage_id:guid}", Get)
            .WithName("getLineage")
            .WithSummary("Get a lineage: status, pause reasons, schema versions, counters, watermark and open controls")
            .Produces<ApiEnvelope<LineageDetail>>();
        edge.MapGet("/lineages/{lineage_id:guid}/staged-rows", StagedRows)
            .WithName("listStagedRows")
            .WithSummary("Rows of the lineage held in staging, in journal order")
            .Produces<ApiPage<StagedRowView>>();
        edge.MapGet("/lineages/{lineage_id:guid}/mirror-rows", MirrorRows)
            .WithName("listMirrorRows")
            .WithSummary("Rows of the lineage's mirror table (404 mirror_not_provisioned before its schema is approved)")
            .Produces<ApiPage<IReadOnlyDictionary<string, object?>>>();
        edge.MapGet("/lineages/{lineage_id:guid}/events", Events)
            .WithName("listLineageEvents")
            .WithSummary("The lineage's event history, oldest first")
            .Produces<ApiPage<LineageEventView>>();
        return edge;
    }

    private static async Task<IResult> List(
        [FromRoute(Name = "project_id")] Guid projectId, Paging paging, IQuerySession session,
        [FromQuery(Name = "device_id")] Guid? deviceId, [FromQuery] string? status, [FromQuery(Name = "source_table")] string? sourceTable,
        CancellationToken ct)
    {
        var query = session.Query<LineageView>().Where(l => l.ProjectId == projectId);
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

    private static async Task<IResult> Get(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId,
        IQuerySession session, PendingControls controls, CancellationToken ct)
    {
        var lineage = await LoadAsync(session, projectId, lineageId, ct);
        return lineage is null ? NotFound() : ApiResponse.Ok(LineageDetail.From(lineage, await controls.ListOpenAsync(lineageId, ct)));
    }

    private static async Task<IResult> StagedRows(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, Paging paging,
        IQuerySession session, StagedRows stagedRows, CancellationToken ct)
    {
        if (await LoadAsync(session, projectId, lineageId, ct) is null)
            return NotFound();
        var (rows, total) = await stagedRows.PageAsync(lineageId, paging.Page, paging.Limit, ct);
        return ApiResponse.Page(rows.Select(StagedRowView.From).ToList(), paging, total);
    }

    private static async Task<IResult> MirrorRows(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, Paging paging,
        [FromQuery] string? columns, IQuerySession session, MirrorReader reader, CancellationToken ct)
    {
        var lineage = await LoadAsync(session, projectId, lineageId, ct);
        if (lineage is null)
            return NotFound();
        if (lineage.Mirror is not { } mirror)
            return ApiProblem.NotFound("mirror_not_provisioned", "The lineage has no mirror table yet: its schema has not been approved.");
        var selected = string.IsNullOrWhiteSpace(columns) ? null : columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        try
        {
            // A coalesced table holds every device of the project: a lineage shows its own device's rows.
            // A time-series table is read in time order, and (coalesced or not) shows the lineage's device only.
            var (rows, total) = await reader.PageAsync(mirror.Name, selected, paging.Page, paging.Limit,
                mirror.IsCoalesced || mirror.TimeSeries ? lineage.DeviceId : null, ct, mirror.TimeSeries);
            return TypedResults.Ok(new ApiPage<IReadOnlyDictionary<string, object?>>(
                rows, ApiResponse.PageMetaOf(paging, total) with { MirrorTableName = mirror.Name }));
        }
        catch (ArgumentException e)
        {
            return ApiProblem.Validation("columns", e.Message);
        }
    }

    private static async Task<IResult> Events(
        [FromRoute(Name = "project_id")] Guid projectId, [FromRoute(Name = "lineage_id")] Guid lineageId, Paging paging,
        IQuerySession session, CancellationToken ct)
    {
        if (await LoadAsync(session, projectId, lineageId, ct) is null)
            return NotFound();
        var events = session.Events.QueryAllRawEvents().Where(e => e.StreamId == lineageId);
        var total = await events.CountAsync(ct);
        var page = await events.OrderBy(e => e.Version).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return ApiResponse.Page(page.Select(e => new LineageEventView(e.Version, e.Sequence, e.EventTypeName, e.Timestamp, e.Data)).ToList(), paging, total);
    }

    /// <summary>Another project's lineage answers exactly as a missing one.</summary>
    public static async Task<LineageView?> LoadAsync(IQuerySession session, Guid projectId, Guid lineageId, CancellationToken ct)
    {
        var lineage = await session.LoadAsync<LineageView>(lineageId, ct);
        return lineage?.ProjectId == projectId ? lineage : null;
    }

    public static IResult NotFound() => ApiProblem.NotFound("lineage_not_found", "No such lineage in this project.");
}
