using System.Text.Json;
using EdgeSync.Registry;
using EdgeSync.Storage;
using Marten;
using Npgsql;

namespace EdgeSync.Lineages;

/// <summary>Where a lineage grain reads and writes its lineage: snapshots, streams, transactions, its project's policy and registry decisions.</summary>
public sealed class LineageStore(IDocumentStore store, NpgsqlDataSource dataSource, PendingControls controls, IRegistryDecisionLookup registry)
{
    public Task<LineageTransaction> BeginAsync(CancellationToken ct = default) => LineageTransaction.BeginAsync(dataSource, store, controls, ct);

    /// <summary>
    /// The lineage as stored: its last snapshot with the events appended after it folded in. Null
    /// when the lineage has none (never created, or deleted).
    /// </summary>
    public async Task<Lineage?> LoadAsync(Guid lineageId, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var snapshot = await session.LoadAsync<Lineage>(lineageId, ct);
        if (snapshot is null)
            return null;
        var after = await session.Events.FetchStreamAsync(lineageId, fromVersion: snapshot.Version + 1, token: ct);
        return after.Count == 0 ? snapshot : Lineage.Fold(snapshot, after.Select(e => (LineageEvent)e.Data));
    }

    /// <summary>Whether the event stored at the version a commit appended <paramref name="last"/> at is that event.</summary>
    public async Task<bool> HoldsAsync(Guid lineageId, long version, LineageEvent last)
    {
        await using var session = store.QuerySession();
        var stored = await session.Events.FetchStreamAsync(lineageId, version, fromVersion: version);
        return stored.Count == 1 && stored[0].Data.GetType() == last.GetType()
            && JsonSerializer.Serialize(stored[0].Data, last.GetType()) == JsonSerializer.Serialize(last, last.GetType());
    }

    public async Task<EdgePolicy> PolicyAsync(Guid projectId) => (await ProjectAsync(projectId))?.Policy ?? new EdgePolicy();

    /// <summary>The project as stored now (its policy and topic slug); null when it is gone.</summary>
    public async Task<Project?> ProjectAsync(Guid projectId)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Project>(projectId);
    }

    /// <summary>The project's registry decision in force for a table's schema, if any.</summary>
    public Task<RegistryDecisionTerms?> RegistryDecisionAsync(Guid projectId, string sourceTable, string schemaHash) =>
        registry.FindAsync(projectId, sourceTable, schemaHash);
}
