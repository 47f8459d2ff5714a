using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace EdgeSync.Api.Http;

/// <summary>
/// <c>?page=</c> (from 1) and <c>?limit=</c> (default 50, at most 500), bound from the query
/// string. Unparsable values are kept so that <see cref="PagingValidator"/> reports them as
/// 400 <c>validation_failed</c> together with every other invalid field. Declare it as a
/// handler parameter: <c>(Paging paging, …)</c> (or <c>[AsParameters] Paging paging</c>).
/// </summary>
public sealed class Paging : IEndpointParameterMetadataProvider
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>
    /// Also the constructor <c>[AsParameters] Paging paging</c> binds with (then an unparsable
    /// value is reported by the binding itself, as 400 <c>validation_failed</c> for that field).
    /// </summary>
    public Paging(int page = 1, int limit = DefaultLimit)
    {
        Page = page;
        Limit = limit;
    }

    public int Page { get; }
    public int Limit { get; }

    /// <summary>Raw <c>page</c> text when it was not an integer.</summary>
    internal string? UnparsedPage { get; init; }

    /// <summary>Raw <c>limit</c> text when it was not an integer.</summary>
    internal string? UnparsedLimit { get; init; }

    /// <summary>Rows to skip; valid once the paging passed validation.</summary>
    public int Offset => (int)Math.Min(int.MaxValue, Math.Max(0, ((long)Page - 1) * Limit));

    public static Paging Default { get; } = new();

    public static ValueTask<Paging?> BindAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var (page, badPage) = Parse(query["page"], 1);
        var (limit, badLimit) = Parse(query["limit"], DefaultLimit);
        return ValueTask.FromResult<Paging?>(new Paging(page, limit) { UnparsedPage = badPage, UnparsedLimit = badLimit });
    }

    private static (int Value, string? Unparsed) Parse(string? text, int fallback)
    {
        if (string.IsNullOrWhiteSpace(text))
            return (fallback, null);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? (value, null)
            : (fallback, text);
    }

    /// <summary>Marks the endpoint so the OpenAPI document lists <c>page</c> and <c>limit</c>.</summary>
    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
        => builder.Metadata.Add(PagingMetadata.Instance);
}

/// <summary>Endpoint metadata: the endpoint takes <see cref="Paging"/> query parameters.</summary>
public sealed class PagingMetadata
{
    public static readonly PagingMetadata Instance = new();
    private PagingMetadata() { }
}
