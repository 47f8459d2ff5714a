using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace EdgeSync.Bench;

public sealed record DeviceCredentials(Guid Id, string Name, string Username, string Secret, string TopicRoot);

public sealed record ReviewRef(Guid Id, Guid LineageId, Guid DeviceId, string SourceTable);

public sealed record SchemaGroupRef(string SourceTable, string SchemaHash, int LineageCount, Guid ExampleReviewId);

public sealed record LineageRef(Guid Id, Guid DeviceId, string SourceTable, string Status, long StagedRowCount);

/// <summary>What an operator does over the HTTP API (docs/http-api.md), with a PLATFORM_ADMIN token.</summary>
public sealed class OperatorApi(int httpPort, string token) : IDisposable
{
    private readonly HttpClient _http = new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/core/api/v1/"),
        Timeout = TimeSpan.FromSeconds(120),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    public async Task<Guid> CreateProjectAsync(string slug) =>
        (await PostAsync("projects", new { name = $"Benchmark {slug}", topic_slug = slug })).GetProperty("id").GetGuid();

    public async Task<DeviceCredentials> CreateDeviceAsync(Guid project, string name)
    {
        var d = await PostAsync($"projects/{project}/devices", new { name });
        return new DeviceCredentials(d.GetProperty("id").GetGuid(), name, d.GetProperty("mqtt_username").GetString()!,
            d.GetProperty("secret").GetString()!, d.GetProperty("topic_root").GetString()!);
    }

    public async Task<List<ReviewRef>> QueuedReviewsAsync(Guid project) =>
        (await ListAsync($"projects/{project}/edge/schema-reviews?status=queued"))
            .Select(r => new ReviewRef(r.GetProperty("id").GetGuid(), r.GetProperty("lineage_id").GetGuid(),
                r.GetProperty("device_id").GetGuid(), r.GetProperty("source_table").GetString()!))
            .ToList();

    /// <summary>Claims the review, then approves it with every column mirrored under its own name, in the given mirror layout.</summary>
    public async Task ApproveAllMirroredAsync(Guid project, Guid review, IEnumerable<string> columns, string layout)
    {
        var claimed = await PostAsync($"projects/{project}/edge/schema-reviews/{review}/claim", new { });
        await PostAsync($"projects/{project}/edge/schema-reviews/{review}/approve", new
        {
            action_version = claimed.GetProperty("action_version").GetInt32(),
            column_actions = columns.Select(c => new { source_column_name = c, action = "mirror" }).ToArray(),
            mirror_layout = layout,
        });
    }

    public async Task<List<SchemaGroupRef>> SchemaGroupsAsync(Guid project) =>
        (await ListAsync($"projects/{project}/edge/schema-groups"))
            .Select(g => new SchemaGroupRef(g.GetProperty("source_table").GetString()!, g.GetProperty("schema_hash").GetString()!,
                g.GetProperty("lineage_count").GetInt32(), g.GetProperty("example_review_id").GetGuid()))
            .ToList();

    /// <summary>Approves the review's schema for the whole project, every column mirrored; answers how many reviews it approved.</summary>
    public async Task<int> FleetApproveAsync(Guid project, Guid review, IEnumerable<string> columns, string? layout)
    {
        var approval = await PostAsync($"projects/{project}/edge/schema-reviews/{review}/approve", new
        {
            action_version = 1,
            column_actions = columns.Select(c => new { source_column_name = c, action = "mirror" }).ToArray(),
            scope = "project",
            mirror_layout = layout,
        });
        return approval.GetProperty("approved_review_ids").GetArrayLength();
    }

    public async Task<List<LineageRef>> LineagesAsync(Guid project) =>
        (await ListAsync($"projects/{project}/edge/lineages"))
            .Select(l => new LineageRef(l.GetProperty("id").GetGuid(), l.GetProperty("device_id").GetGuid(),
                l.GetProperty("source_table").GetString()!, l.GetProperty("status").GetString()!,
                l.GetProperty("staged_row_count").GetInt64()))
            .ToList();

    public async Task<JsonElement> LineageAsync(Guid project, Guid lineage) =>
        (await GetAsync($"projects/{project}/edge/lineages/{lineage}")).GetProperty("data");

    public async Task<long> RejectionCountAsync(Guid project) =>
        (await GetAsync($"projects/{project}/edge/rejections?limit=1")).GetProperty("meta").GetProperty("total_items").GetInt64();

    private async Task<List<JsonElement>> ListAsync(string path)
    {
        var items = new List<JsonElement>();
        var separator = path.Contains('?') ? '&' : '?';
        for (var page = 1; ; page++)
        {
            var body = await GetAsync($"{path}{separator}limit=500&page={page}");
            items.AddRange(body.GetProperty("data").EnumerateArray());
            if (page >= body.GetProperty("meta").GetProperty("total_pages").GetInt32())
                return items;
        }
    }

    private async Task<JsonElement> GetAsync(string path) => await ReadAsync(await _http.GetAsync(path));

    /// <summary>Every mutation carries an Idempotency-Key (edge mutations require one).</summary>
    private async Task<JsonElement> PostAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return (await ReadAsync(await _http.SendAsync(request))).GetProperty("data");
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {text}");
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
    }

    public void Dispose() => _http.Dispose();
}
