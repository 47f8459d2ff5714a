using System.Text.Json;

namespace EdgeSync.Cli.Api;

/// <summary>The <c>data</c> and, for lists, the pagination <c>meta</c> of a successful answer.</summary>
public sealed record ApiResult(JsonElement Data, PageInfo? Page)
{
    public T As<T>() => Data.Deserialize<T>(ApiJson.Options)
        ?? throw new CliException($"the API answered null where a {typeof(T).Name} was expected", CliExitCodes.Failed);

    public IReadOnlyList<T> Items<T>() => Data.Deserialize<List<T>>(ApiJson.Options) ?? [];
}

public sealed record PageInfo(int CurrentPage, int ItemsPerPage, long TotalItems, int TotalPages);

public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
