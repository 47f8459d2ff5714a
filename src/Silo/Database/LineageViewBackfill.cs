using EdgeSync.Lineages;
using JasperFx;
using Marten;

namespace EdgeSync.Silo.Database;

/// <summary>
/// Writes the operators' view of every lineage that has none: a database of a release that served
/// the API from the grain's snapshot has no views until its lineages next change. Runs once at
/// start; cheap when every lineage has its view (two counts).
/// </summary>
public sealed class LineageViewBackfill(IDocumentStore store, LineageStore lineages, ILogger<LineageViewBackfill> logger) : IHostedService
{
    private const int Page = 500;

    public async Task StartAsync(CancellationToken ct)
    {
        await using (var query = store.QuerySession())
        {
            if (await query.Query<Lineage>().CountAsync(ct) == await query.Query<LineageView>().CountAsync(ct))
                return;
        }

        var written = 0;
        for (var page = 0; ; page++)
        {
            IReadOnlyList<Guid> ids;
            HashSet<Guid> viewed;
            await using (var query = store.QuerySession())
            {
                ids = await query.Query<Lineage>().OrderBy(l => l.Id).Skip(page * Page).Take(Page).Select(l => l.Id).ToListAsync(ct);
                var pageIds = ids.ToArray();
                viewed = (await query.Query<LineageView>().Where(v => v.Id.IsOneOf(pageIds)).Select(v => v.Id).ToListAsync(ct)).ToHashSet();
            }
            foreach (var id in ids.Where(id => !viewed.Contains(id)))
            {
                if (await lineages.LoadAsync(id, ct) is not { } lineage)
                    continue;
                // Insert, not store: a grain that committed meanwhile wrote a newer view, which must win.
                await using var session = store.LightweightSession();
                session.Insert(LineageView.From(lineage));
                try
                {
                    await session.SaveChangesAsync(ct);
                    written++;
                }
                catch (DocumentAlreadyExistsException)
                {
                    // The lineage's grain wrote its view first.
                }
            }
            if (ids.Count < Page)
                break;
        }
        logger.LogInformation("Wrote the operators' view of {Count} lineages that had none", written);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
