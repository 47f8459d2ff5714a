using Marten;

namespace EdgeSync.Api.Http;

/// <summary>One page of items and the total number of items across all pages.</summary>
public sealed record PageResult<T>(IReadOnlyList<T> Items, long TotalItems)
{
    public PageResult<TOut> Map<TOut>(Func<T, TOut> map) => new(Items.Select(map).ToList(), TotalItems);
}

public static class PageQueryExtensions
{
    /// <summary>
    /// Runs a Marten query for one page (apply ordering first). The total comes from the same
    /// round trip; only a page past the end costs a second count query.
    /// </summary>
    public static async Task<PageResult<T>> ToPageAsync<T>(this IQueryable<T> query, Paging paging, CancellationToken cancellationToken = default) where T : notnull
    {
        var items = await query.Stats(out var stats).Skip(paging.Offset).Take(paging.Limit).ToListAsync(cancellationToken);
        var total = stats.TotalResults;
        if (items.Count == 0 && paging.Page > 1)
            total = await query.CountAsync(cancellationToken);
        return new PageResult<T>(items, total);
    }
}
