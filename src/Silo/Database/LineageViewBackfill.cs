using EdgeSync.Lineages;
using JasperFx;
using Marten;

namespace EdgeSync.Silo.Database;

/// <summary>
/// Writes the operators' view of every lineage that has none: a database of a release that served
/// the API from the grain's snapshot has no views until its lineages next change. Runs once at
/// start; cheap when every lineage has its view (two counts).
/// </summary>
public sealed class LineageViewBackfill(IDocumentStore store, ILogger<LineageViewBackfill> logger) : IHostedService
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
            IReadOnlyList<Lineage> lineages;
            HashSet<Guid> viewed;
            await using (var query = store.QuerySession())
            {
                lineages = await query.Query<Lineage>().OrderBy(l => l.Id).Skip(page * Page).Take(Page).ToListAsync(ct);
                var ids = lineages.Select(l => l.Id).ToArray();
                viewed = (await query.Query<LineageView>().Where(v => v.Id.IsOneOf(ids)).Select(v => v.Id).ToListAsync(ct)).ToHashSet();
            }
            foreach (var lineage in lineages.Where(l => !viewed.Contains(l.Id)))
            {
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
            if (lineages.Count < Page)
                break;
        }
        logger.LogInformation("Wrote the operators' view of {Count} lineages that had none", written);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
