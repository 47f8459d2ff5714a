using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace EdgeSync.Cli.Api;

/// <summary>
/// The HTTP API as the CLI and the terminal UI use it: unwraps the <c>{ ok, data, meta }</c>
/// envelope, turns problem details into <see cref="ApiException"/> and an unreachable API into a
/// <see cref="CliException"/> with <see cref="CliExitCodes.Unreachable"/>.
/// </summary>
public sealed class EdgeSyncClient : IDisposable
{
    public const string BasePath = "core/api/v1/";

    private readonly HttpClient _http;

    public EdgeSyncClient(string apiUrl, string? token, TimeSpan? timeout = null)
    {
        ApiUrl = apiUrl;
        _http = new HttpClient { BaseAddress = BaseAddress(apiUrl), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        if (token is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("edgesync-cli", typeof(EdgeSyncClient).Assembly.GetName().Version?.ToString(3)));
    }

    public string ApiUrl { get; }

    /// <summary>The API root for a URL given with or without the <c>/core/api/v1</c> base path.</summary>
    public static Uri BaseAddress(string apiUrl)
    {
        if (!Uri.TryCreate(apiUrl.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"'{apiUrl}' is not an http(s) URL (example: http://localhost:5080)");
        var path = uri.AbsolutePath.TrimEnd('/') + "/";
        if (!path.EndsWith("/" + BasePath, StringComparison.Ordinal))
            path += BasePath;
        return new UriBuilder(uri) { Path = path, Query = "", Fragment = "" }.Uri;
    }

    public Task<ApiResult> GetAsync(string path, CancellationToken ct = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);

    /// <summary>A mutation; the idempotency key lets the API answer a retried request with its stored response.</summary>
    public Task<ApiResult> SendAsync(HttpMethod method, string path, object? body, string idempotencyKey, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = JsonContent.Create(body, body.GetType(), options: ApiJson.Options);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return SendAsync(request, ct);
    }

    private async Task<ApiResult> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var sent = request;
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Unreachable($"no answer within {_http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var body = await ReadJsonAsync(response, ct);
            if (!response.IsSuccessStatusCode)
                throw Problem(response.StatusCode, body);
            if (body is not { } envelope || !envelope.TryGetProperty("data", out var data))
                throw new CliException($"the API at {ApiUrl} answered {(int)response.StatusCode} without a data envelope; is this an EdgeSync API?", CliExitCodes.Failed);
            var page = envelope.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("total_pages", out _)
                ? meta.Deserialize<PageInfo>(ApiJson.Options)
                : null;
            return new ApiResult(data.Clone(), page);
        }
    }

    private CliException Unreachable(string reason) =>
        new($"cannot reach the EdgeSync API at {ApiUrl}: {reason}. Is the node running and the URL right (edgesync context show)?", CliExitCodes.Unreachable);

    private static async Task<JsonElement?> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (string.IsNullOrWhiteSpace(text))
            return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ApiException Problem(HttpStatusCode status, JsonElement? body)
    {
        string? Text(string name) =>
            body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
            foreach (var field in fields.EnumerateObject())
                errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                    ? field.Value.EnumerateArray().Select(m => m.ToString()).ToArray()
                    : [field.Value.ToString()];
        return ApiException.From(status, Text("code"), Text("title"), Text("detail"), errors);
    }

    public void Dispose() => _http.Dispose();
}
