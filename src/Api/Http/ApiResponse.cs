using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeSync.Api.Http;

/// <summary>Builders of the success envelope, as typed results (so OpenAPI sees the shapes).</summary>
public static class ApiResponse
{
    private static readonly IReadOnlyDictionary<string, object?> NoMeta = new Dictionary<string, object?>();

    /// <summary>200 <c>{ ok: 1, data, meta }</c>.</summary>
    public static Ok<ApiEnvelope<T>> Ok<T>(T data, IReadOnlyDictionary<string, object?>? meta = null)
        => TypedResults.Ok(Envelope(data, meta));

    /// <summary>201 with a <c>Location</c> header and the envelope.</summary>
    public static Created<ApiEnvelope<T>> Created<T>(string location, T data)
        => TypedResults.Created(location, Envelope(data));

    /// <summary>200 list envelope with <c>{ current_page, items_per_page, total_items, total_pages }</c> in meta.</summary>
    public static Ok<ApiPage<T>> Page<T>(IReadOnlyList<T> items, Paging paging, long totalItems)
        => TypedResults.Ok(new ApiPage<T>(items, PageMetaOf(paging, totalItems)));

    /// <summary>200 list envelope from a <see cref="PageResult{T}"/>.</summary>
    public static Ok<ApiPage<T>> Page<T>(PageResult<T> page, Paging paging)
        => Page(page.Items, paging, page.TotalItems);

    public static ApiEnvelope<T> Envelope<T>(T data, IReadOnlyDictionary<string, object?>? meta = null)
        => new(data, meta ?? NoMeta);

    public static PageMeta PageMetaOf(Paging paging, long totalItems)
        => new(paging.Page, paging.Limit, totalItems, totalItems == 0 ? 0 : (totalItems + paging.Limit - 1) / paging.Limit);
}
