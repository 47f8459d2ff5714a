using EdgeSync.Lineages;
using EdgeSync.Registry;
using EdgeSync.Storage;
using EdgeSync.Wire;
using Marten;

namespace EdgeSync.Fleets;

/// <summary>Where registry decisions live (a stream per decision, its fold as a document), and what recording one reads.</summary>
public sealed class RegistryStore(IDocumentStore store) : IRegistryDecisionLookup
{
    private static readonly string[] OpenStates = [EnumNames.Of(ReviewState.Queued), EnumNames.Of(ReviewState.InReview)];

    public async Task<RegistryDecisionTerms?> FindAsync(Guid projectId, string sourceTable, string schemaHash, CancellationToken ct = default) =>
        await InForceAsync(projectId, sourceTable, schemaHash, ct) is { } d
            ? new RegistryDecisionTerms(d.Id, d.SourceTable, d.SchemaHash, d.Columns, d.ColumnActions, d.MirrorLayout, d.MirrorTableName)
            : null;

    public async Task<RegistryDecision?> InForceAsync(Guid projectId, string sourceTable, string schemaHash, CancellationToken ct = default)
    {
        var key = RegistryDecision.KeyOf(projectId, sourceTable, schemaHash);
        await using var session = store.QuerySession();
        return await session.Query<RegistryDecision>().Where(d => d.InForceKey == key).FirstOrDefaultAsync(ct);
    }

    public async Task<RegistryDecision?> LoadAsync(Guid projectId, Guid decisionId, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var decision = await session.LoadAsync<RegistryDecision>(decisionId, ct);
        return decision?.ProjectId == projectId ? decision : null;
    }

    /// <summary>The layout of a decision that names none: the project policy's <c>default_mirror_layout</c>.</summary>
    public async Task<MirrorLayout> DefaultLayoutAsync(Guid projectId, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        return (await session.LoadAsync<Project>(projectId, ct))?.Policy.DefaultMirrorLayout ?? MirrorLayout.PerDevice;
    }

    /// <summary>The project's decisions whose fan-out has not completed.</summary>
    public async Task<IReadOnlyList<RegistryDecision>> FanningOutAsync(Guid projectId, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        return await session.Query<RegistryDecision>().Where(d => d.ProjectId == projectId && d.FanOutCompletedAt == null).ToListAsync(ct);
    }

    /// <summary>
    /// The columns of a table's schema as a lineage of the project that knows them has them. Only the
    /// lineages that have seen the hash are read (a few suffice: a hash known without its columns
    /// is rare), not every lineage of a fleet's table.
    /// </summary>
    public async Task<SchemaFingerprint?> ColumnsAsync(Guid projectId, string sourceTable, string schemaHash, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var lineages = await session.Query<LineageView>()
            .Where(l => l.ProjectId == projectId && l.SourceTable == sourceTable && l.SchemaVersions.Any(v => v.SchemaHash == schemaHash))
            .Take(16)
            .ToListAsync(ct);
        return lineages.Select(l => l.FindSchema(schemaHash)?.Columns).FirstOrDefault(c => c is not null);
    }

    /// <summary>
    /// The timestamp column when the table's lineages with that schema are telemetry lineages (the
    /// decision then binds it to the time series' ts), or null for rows.
    /// </summary>
    public async Task<string?> TimestampColumnAsync(Guid projectId, string sourceTable, string schemaHash, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var lineages = await session.Query<LineageView>()
            .Where(l => l.ProjectId == projectId && l.SourceTable == sourceTable && l.SchemaVersions.Any(v => v.SchemaHash == schemaHash))
            .Take(16)
            .ToListAsync(ct);
        return lineages.FirstOrDefault(l => l.CaptureStrategy == EdgeSync.Wire.WireLimits.TelemetryBatchCaptureStrategy)?.TimestampColumn;
    }

    /// <summary>Every open review of a table's schema in the project.</summary>
    public async Task<IReadOnlyList<OpenReviewOfSchema>> OpenReviewsAsync(Guid projectId, string sourceTable, string schemaHash, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var reviews = await session.Query<SchemaReview>()
            .Where(r => r.ProjectId == projectId && r.SourceTable == sourceTable && r.SchemaHash == schemaHash && r.State.IsOneOf(OpenStates))
            .ToListAsync(ct);
        return reviews.OrderBy(r => r.QueuedAt).Select(r => new OpenReviewOfSchema(new FanOutTarget(r.Id, r.LineageId, r.DeviceId), r.ActionVersion)).ToList();
    }

    /// <summary>Appends to the decision's stream at the version <paramref name="current"/> has, and stores the fold.</summary>
    public async Task<RegistryDecision> AppendAsync(RegistryDecision? current, Guid decisionId, IReadOnlyList<RegistryEvent> events, CancellationToken ct = default)
    {
        var next = RegistryDecision.Fold(current, events);
        await using var session = store.LightweightSession();
        if (current is null)
            session.Events.StartStream<RegistryDecision>(decisionId, events.ToArray());
        else
            session.Events.Append(decisionId, next.Version, events.ToArray());
        session.Store(next);
        await session.SaveChangesAsync(ct);
        return next;
    }
}
