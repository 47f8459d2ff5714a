using System.Net.Http.Json;
using System.Text.Json;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>The edge API of one project as an operator's client uses it.</summary>
public sealed class EdgeApi(HttpClient client, Guid projectId) : IDisposable
{
    public HttpClient Client => client;
    private string Base => $"/core/api/v1/projects/{projectId}/edge";

    public async Task<JsonElement> LineageOfAsync(Guid deviceId, string? table = null) =>
        (await client.GetJsonAsync($"{Base}/lineages?device_id={deviceId}" + (table is null ? "" : $"&source_table={Uri.EscapeDataString(table)}")))
            .GetProperty("data")[0];

    public async Task<JsonElement> LineageAsync(Guid lineageId) => (await client.GetJsonAsync($"{Base}/lineages/{lineageId}")).GetProperty("data");

    public async Task<JsonElement> OpenReviewAsync(Guid lineageId) =>
        (await client.GetJsonAsync($"{Base}/schema-reviews?lineage_id={lineageId}&status=queued")).GetProperty("data")[0];

    public async Task<List<JsonElement>> MirrorRowsAsync(Guid lineageId, int limit = 500)
    {
        var rows = new List<JsonElement>();
        for (var page = 1; ; page++)
        {
            var body = await client.GetJsonAsync($"{Base}/lineages/{lineageId}/mirror-rows?limit={limit}&page={page}");
            rows.AddRange(body.GetProperty("data").EnumerateArray());
            if (page >= body.GetProperty("meta").GetProperty("total_pages").GetInt32())
                return rows;
        }
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"{Base}{path}") { Content = JsonContent.Create(body ?? new { }) };
        request.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString());
        return client.SendAsync(request);
    }

    /// <summary>Claims the review and approves it with these actions; fails the test on any error.</summary>
    public async Task<JsonElement> ApproveAsync(Guid reviewId, object[] columnActions, string? mirrorTableName = null, string? mirrorLayout = null) =>
        await Fleet.ReadDataAsync(await TryApproveAsync(reviewId, columnActions, mirrorTableName, mirrorLayout));

    /// <summary>Claims the review (unless it is claimed already) and answers the approval's response, whatever it is.</summary>
    public async Task<HttpResponseMessage> TryApproveAsync(Guid reviewId, object[] columnActions, string? mirrorTableName = null, string? mirrorLayout = null)
    {
        var review = (await client.GetJsonAsync($"{Base}/schema-reviews/{reviewId}")).GetProperty("data");
        var version = review.GetProperty("state").GetString() == "queued"
            ? (await Fleet.ReadDataAsync(await PostAsync($"/schema-reviews/{reviewId}/claim"))).GetProperty("action_version").GetInt32()
            : review.GetProperty("action_version").GetInt32();
        var body = new { action_version = version, column_actions = columnActions, mirror_table_name = mirrorTableName, mirror_layout = mirrorLayout };
        return await PostAsync($"/schema-reviews/{reviewId}/approve", body);
    }

    /// <summary>PATCH …/policy; answers the response.</summary>
    public Task<HttpResponseMessage> PatchPolicyAsync(object patch)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"{Base}/policy") { Content = JsonContent.Create(patch) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return client.SendAsync(request);
    }

    /// <summary>DELETE …/lineages/{id}, with <c>drop_mirror</c> when asked; answers the response.</summary>
    public Task<HttpResponseMessage> DeleteLineageAsync(Guid lineageId, bool dropMirror)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"{Base}/lineages/{lineageId}" + (dropMirror ? "?drop_mirror=true" : ""));
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return client.SendAsync(request);
    }

    public async Task<JsonElement> WaitForBacklogDrainedAsync(Guid lineageId, TimeSpan? timeout = null) =>
        await Eventually.GetAsync(() => LineageAsync(lineageId),
            l => l.GetProperty("counters").GetProperty("staged_row_count").GetInt64() == 0
                 && l.GetProperty("replay_intent") is var r && (r.ValueKind == JsonValueKind.Null || r.GetProperty("status").GetString() == "completed"),
            timeout, "the staged backlog to drain");

    public void Dispose() => client.Dispose();
}
