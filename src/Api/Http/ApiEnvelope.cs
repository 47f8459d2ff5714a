using System.Text.Json.Serialization;

namespace EdgeSync.Api.Http;

/// <summary>Success envelope: <c>{ "ok": 1, "data": …, "meta": {} }</c>.</summary>
public sealed record ApiEnvelope<T>(T Data, IReadOnlyDictionary<string, object?> Meta)
{
    [JsonPropertyOrder(-1)]
    public int Ok => 1;
}

/// <summary>List envelope: <c>{ "ok": 1, "data": [ … ], "meta": { pagination } }</c>.</summary>
public sealed record ApiPage<T>(IReadOnlyList<T> Data, PageMeta Meta)
{
    [JsonPropertyOrder(-1)]
    public int Ok => 1;
}

/// <summary>Pagination of a list response.</summary>
public sealed record PageMeta(int CurrentPage, int ItemsPerPage, long TotalItems, long TotalPages)
{
    /// <summary>Which table a page of mirror rows was read from (only on <c>…/mirror-rows</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MirrorTableName { get; init; }
}
