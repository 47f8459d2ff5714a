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
    /// Runs a Marten query for one page (apply ordering first): a count, then the page itself
    /// (skipped when the page lies past the end).
    /// </summary>
    public static async Task<PageResult<T>> ToPageAsync<T>(this IQueryable<T> query, Paging paging, CancellationToken cancellationToken = default) where T : notnull
    {
        var total = await query.CountAsync(cancellationToken);
        if (total <= paging.Offset)
            return new PageResult<T>([], total);
        var items = await query.Skip(paging.Offset).Take(paging.Limit).ToListAsync(cancellationToken);
        return new PageResult<T>(items, total);
    }
}
