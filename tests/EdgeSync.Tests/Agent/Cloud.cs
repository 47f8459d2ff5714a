using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Agent;

/// <summary>What the tests ask the cloud about one device's tables, over the operator API.</summary>
public sealed class Cloud(HttpClient client, RegisteredDevice device) : IDisposable
{
    private readonly string _base = $"/core/api/v1/projects/{device.ProjectId}/edge";

    public Cloud(NodeFixture node, RegisteredDevice device)
        : this(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device)
    {
    }

    public EdgeApi Api { get; } = new(client, device.ProjectId);

    public void Dispose() => Api.Dispose();

    /// <summary>The lineage of (device, table) once the cloud has one.</summary>
    public async Task<Guid> WaitForLineageAsync(string table, TimeSpan? timeout = null)
    {
        var lineage = await Eventually.GetAsync(() => TryLineageAsync(table), l => l is not null, timeout ?? TimeSpan.FromSeconds(20),
            $"a lineage for table {table}");
        return lineage!.Value.GetProperty("id").GetGuid();
    }

    public async Task<JsonElement?> TryLineageAsync(string table)
    {
        var body = await Api.Client.GetJsonAsync($"{_base}/lineages?device_id={device.DeviceId}&source_table={Uri.EscapeDataString(table)}");
        var data = body.GetProperty("data");
        return data.GetArrayLength() == 0 ? null : data[0];
    }

    /// <summary>Approves the lineage's open review (waiting for it), mirroring every column.</summary>
    public async Task ApproveAllAsync(Guid lineageId, params string[] columns)
    {
        var review = await Eventually.GetAsync(() => TryOpenReviewAsync(lineageId), r => r is not null, TimeSpan.FromSeconds(20), "an open review");
        await Api.ApproveAsync(review!.Value.GetProperty("id").GetGuid(),
            columns.Select(c => (object)new { source_column_name = c, action = "mirror" }).ToArray());
    }

    public async Task<JsonElement?> TryOpenReviewAsync(Guid lineageId)
    {
        var body = await Api.Client.GetJsonAsync($"{_base}/schema-reviews?lineage_id={lineageId}&status=queued");
        var data = body.GetProperty("data");
        return data.GetArrayLength() == 0 ? null : data[0];
    }

    public async Task PatchPolicyAsync(object patch)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"{_base}/policy") { Content = JsonContent.Create(patch) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.OK, (await Api.Client.SendAsync(request)).StatusCode);
    }

    /// <summary>Waits until the mirror holds exactly the SQLite table's rows (every column compared by value).</summary>
    public async Task WaitForMirrorAsync(Guid lineageId, DeviceDatabase device, string table, string[] key, TimeSpan? timeout = null)
    {
        string? last = null;
        try
        {
            await Eventually.GetAsync(async () =>
            {
                var mirror = await MirrorRowsOrEmptyAsync(lineageId);
                return last = Difference(mirror, device.Rows(table, key), key);
            }, d => d is null, timeout ?? TimeSpan.FromSeconds(30), $"the mirror of {table} to equal SQLite");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nlast difference: {last}", e);
        }
    }

    public async Task<List<JsonElement>> MirrorRowsOrEmptyAsync(Guid lineageId)
    {
        var probe = await Api.Client.GetAsync($"{_base}/lineages/{lineageId}/mirror-rows?limit=1");
        return probe.StatusCode == HttpStatusCode.NotFound ? [] : await Api.MirrorRowsAsync(lineageId);
    }

    /// <summary>Null when the mirror rows equal the SQLite rows; else the first difference.</summary>
    public static string? Difference(List<JsonElement> mirror, Dictionary<string, Dictionary<string, object?>> sqlite, string[] key)
    {
        var seen = new HashSet<string>();
        foreach (var row in mirror)
        {
            var id = string.Join("|", key.Select(k => KeyText(row.GetProperty(k))));
            if (!seen.Add(id))
                return $"mirror holds key {id} twice";
            if (!sqlite.TryGetValue(id, out var expected))
                return $"mirror has key {id}, SQLite does not";
            foreach (var (column, value) in expected)
            {
                if (!row.TryGetProperty(column, out var actual))
                    return $"key {id}: mirror has no column {column}";
                if (!Same(actual, value))
                    return $"key {id}, column {column}: mirror {actual.GetRawText()}, SQLite {Describe(value)}";
            }
        }
        var missing = sqlite.Keys.FirstOrDefault(k => !seen.Contains(k));
        return missing is null ? null : $"SQLite has key {missing}, the mirror does not ({mirror.Count} mirror rows, {sqlite.Count} SQLite rows)";
    }

    private static bool Same(JsonElement mirror, object? sqlite) => sqlite switch
    {
        null => mirror.ValueKind == JsonValueKind.Null,
        long l => mirror.ValueKind == JsonValueKind.Number && mirror.TryGetDecimal(out var d) && d == l,
        double x => mirror.ValueKind == JsonValueKind.Number && mirror.GetDouble() == x,
        string s => mirror.ValueKind == JsonValueKind.String && mirror.GetString() == s,
        byte[] b => mirror.ValueKind == JsonValueKind.String && mirror.GetString() == Convert.ToBase64String(b),
        _ => false,
    };

    private static string KeyText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.TryGetInt64(out var l) ? l.ToString(CultureInfo.InvariantCulture) : value.GetDouble().ToString(CultureInfo.InvariantCulture),
        _ => value.GetRawText(),
    };

    private static string Describe(object? value) => value switch
    {
        null => "null",
        byte[] b => "blob " + Convert.ToHexString(b),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => $"{value} ({value.GetType().Name})",
    };
}
