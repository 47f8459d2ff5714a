using EdgeSync.Api.Http;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using EdgeSync.Wire;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Edge;

/// <summary>
/// Waiting work per schema rather than per device: the open reviews of a project grouped by
/// <c>(source_table, schema_hash, classification)</c>. A fleet of identical gateways that meets
/// a new table shows one group, not one review per device.
/// </summary>
public static class SchemaGroupEndpoints
{
    public static RouteGroupBuilder MapSchemaGroupEndpoints(this RouteGroupBuilder edge)
    {
        edge.MapGet("/schema-groups", List)
            .WithName("listSchemaGroups")
            .Produces<ApiPage<SchemaGroupView>>()
            .WithSummary("Open schema reviews grouped by table, schema and classification, oldest waiting first");
        return edge;
    }

    private static readonly string[] OpenStates = [EnumNames.Of(ReviewState.Queued), EnumNames.Of(ReviewState.InReview)];

    private static async Task<IResult> List([FromRoute(Name = "project_id")] Guid projectId, Paging paging, IQuerySession session, CancellationToken ct)
    {
        // Every open review of the project and the views of their lineages: two queries, whatever the fleet's size.
        var reviews = await session.Query<SchemaReview>()
            .Where(r => r.ProjectId == projectId && r.State.IsOneOf(OpenStates))
            .ToListAsync(ct);
        var lineages = (await session.LoadManyAsync<LineageView>(ct, reviews.Select(r => r.LineageId).Distinct()))
            .ToDictionary(l => l.Id);
        var groups = reviews
            .Where(r => lineages.ContainsKey(r.LineageId))
            .GroupBy(r => (r.SourceTable, r.SchemaHash, r.Classification))
            .Select(g => SchemaGroupView.From(g.Key.SourceTable, g.Key.SchemaHash, g.Key.Classification, g.ToList(), lineages))
            .OrderBy(g => g.OldestWaitingSince).ThenBy(g => g.SourceTable, StringComparer.Ordinal).ThenBy(g => g.SchemaHash, StringComparer.Ordinal)
            .ToList();
        return ApiResponse.Page(groups.Skip(paging.Offset).Take(paging.Limit).ToList(), paging, groups.Count);
    }
}

/// <param name="ProposedColumns">The group's schema (null while no lineage of it knows its columns).</param>
/// <param name="AcceptedColumns">The schema accepted before by more of the group's lineages than any other (null when none accepted one).</param>
/// <param name="Diff">From <paramref name="AcceptedColumns"/> to <paramref name="ProposedColumns"/>.</param>
/// <param name="ExampleReviewId">The review that has waited longest: approving it for the project approves the group.</param>
public sealed record SchemaGroupView(
    string SourceTable, string SchemaHash, string Classification, IReadOnlyList<SchemaColumn>? ProposedColumns,
    IReadOnlyList<SchemaColumn>? AcceptedColumns, SchemaDiff Diff, int LineageCount, int DeviceCount, long StagedRows, long StagedBytes,
    DateTimeOffset OldestWaitingSince, Guid ExampleReviewId)
{
    public static SchemaGroupView From(
        string sourceTable, string schemaHash, string classification, IReadOnlyList<SchemaReview> reviews, IReadOnlyDictionary<Guid, LineageView> lineages)
    {
        var views = reviews.Select(r => lineages[r.LineageId]).DistinctBy(l => l.Id).ToList();
        var proposed = views.Select(l => l.FindSchema(schemaHash)?.Columns).FirstOrDefault(c => c is not null);
        var mostAccepted = views.Where(l => l.AcceptedSchemaHash is not null)
            .GroupBy(l => l.AcceptedSchemaHash!)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        var accepted = mostAccepted?.Select(l => l.FindSchema(mostAccepted.Key)?.Columns).FirstOrDefault(c => c is not null);
        var oldest = reviews.MinBy(r => r.QueuedAt)!;
        return new SchemaGroupView(sourceTable, schemaHash, classification, proposed?.Columns, accepted?.Columns, SchemaDiff.Between(accepted, proposed),
            views.Count, views.Select(l => l.DeviceId).Distinct().Count(), views.Sum(l => l.Counters.StagedRowCount), views.Sum(l => l.Counters.StagedBytes),
            oldest.QueuedAt, oldest.Id);
    }
}
