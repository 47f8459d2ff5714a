namespace EdgeSync.Cli.Api;

/// <summary>
/// The endpoints of one project that the CLI and the terminal UI use. Every call returns the raw
/// <see cref="ApiResult"/>: <c>--output json</c> prints its data as the API sent it.
/// </summary>
public sealed class ProjectApi(EdgeSyncClient client, Guid projectId)
{
    private string Project => $"projects/{projectId}";
    private string Edge => $"{Project}/edge";

    public Guid ProjectId => projectId;
    public EdgeSyncClient Client => client;

    public Task<ApiResult> ProjectAsync(CancellationToken ct = default) => client.GetAsync(Project, ct);

    public Task<ApiResult> LineagesAsync(LineageFilter filter, PageRequest page, CancellationToken ct = default) =>
        client.GetAsync(Query($"{Edge}/lineages", page, ("device_id", filter.DeviceId?.ToString()), ("status", filter.Status), ("source_table", filter.SourceTable)), ct);

    public Task<ApiResult> LineageAsync(Guid lineageId, CancellationToken ct = default) => client.GetAsync($"{Edge}/lineages/{lineageId}", ct);

    public Task<ApiResult> StagedRowsAsync(Guid lineageId, PageRequest page, CancellationToken ct = default) =>
        client.GetAsync(Query($"{Edge}/lineages/{lineageId}/staged-rows", page), ct);

    public Task<ApiResult> MirrorRowsAsync(Guid lineageId, PageRequest page, string? columns = null, CancellationToken ct = default) =>
        client.GetAsync(Query($"{Edge}/lineages/{lineageId}/mirror-rows", page, ("columns", columns)), ct);

    public Task<ApiResult> EventsAsync(Guid lineageId, PageRequest page, CancellationToken ct = default) =>
        client.GetAsync(Query($"{Edge}/lineages/{lineageId}/events", page), ct);

    public Task<ApiResult> ResetAsync(Guid lineageId, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Edge}/lineages/{lineageId}/reset-materialization", new { }, idempotencyKey, ct);

    public Task<ApiResult> DiscardAsync(Guid lineageId, Guid journalEpoch, IReadOnlyList<long> commitSeqs, string reason, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Edge}/lineages/{lineageId}/staged-rows/discard",
            new { journal_epoch = journalEpoch, commit_seqs = commitSeqs, reason }, idempotencyKey, ct);

    public Task<ApiResult> QuarantinedRowsAsync(Guid lineageId, PageRequest page, CancellationToken ct = default) =>
        client.GetAsync(Query($"{Edge}/lineages/{lineageId}/quarantined-rows", page), ct);

    public Task<ApiResult> RequeueAsync(Guid lineageId, Guid journalEpoch, IReadOnlyList<long> commitSeqs, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Edge}/lineages/{lineageId}/quarantined-rows/requeue",
            new { journal_epoch = journalEpoch, commit_seqs = commitSeqs }, idempotencyKey, ct);

    public Task<ApiResult> PauseAsync(Guid lineageId, string? reason, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Edge}/lineages/{lineageId}/pause", new { reason }, idempotencyKey, ct);

    public Task<ApiResult> ResumeAsync(Guid lineageId, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Edge}/lineages/{lineageId}/resume", new { }, idempotencyKey, ct);

    public Task<ApiResult> DeleteLineageAsync(Guid lineageId, bool dropMirror, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Delete, $"{Edge}/lineages/{lineageId}{(dropMirror ? "?drop_mirror=true" : "")}", null, idempotencyKey, ct);

    public Task<ApiResult> ReviewsAsync(ReviewFilter filter, PageRequest page, CancellationToken ct = default) =>
        client.GetAsync(Query($"{Edge}/schema-reviews", page, ("status", filter.Status), ("lineage_id", filter.LineageId?.ToString()), ("device_id", filter.DeviceId?.ToString())), ct);

    public Task<ApiResult> SchemaGroupsAsync(PageRequest page, CancellationToken ct = default) =>
        client.GetAsync(Query($"{Edge}/schema-groups", page), ct);

    public Task<ApiResult> ReviewAsync(Guid reviewId, CancellationToken ct = default) => client.GetAsync($"{Edge}/schema-reviews/{reviewId}", ct);

    public Task<ApiResult> ClaimAsync(Guid reviewId, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Edge}/schema-reviews/{reviewId}/claim", new { }, idempotencyKey, ct);

    public Task<ApiResult> ApproveAsync(Guid reviewId, ApproveRequest request, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Edge}/schema-reviews/{reviewId}/approve", request, idempotencyKey, ct);

    public Task<ApiResult> RejectAsync(Guid reviewId, int actionVersion, string? reason, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Edge}/schema-reviews/{reviewId}/reject", new { action_version = actionVersion, reason }, idempotencyKey, ct);

    public Task<ApiResult> RegistryDecisionsAsync(string? sourceTable, string? schemaHash, PageRequest page, CancellationToken ct = default) =>
        client.GetAsync(Query($"{Edge}/registry/decisions", page, ("source_table", sourceTable), ("schema_hash", schemaHash)), ct);

    public Task<ApiResult> RegistryDecisionAsync(Guid decisionId, CancellationToken ct = default) => client.GetAsync($"{Edge}/registry/decisions/{decisionId}", ct);

    public Task<ApiResult> RevokeDecisionAsync(Guid decisionId, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Delete, $"{Edge}/registry/decisions/{decisionId}", null, idempotencyKey, ct);

    public Task<ApiResult> DevicesAsync(PageRequest page, CancellationToken ct = default) => client.GetAsync(Query($"{Project}/devices", page), ct);

    public Task<ApiResult> DeviceAsync(Guid deviceId, CancellationToken ct = default) => client.GetAsync($"{Project}/devices/{deviceId}", ct);

    public Task<ApiResult> CreateDeviceAsync(string name, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Project}/devices", new { name }, idempotencyKey, ct);

    public Task<ApiResult> RotateSecretAsync(Guid deviceId, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Post, $"{Project}/devices/{deviceId}/rotate-secret", new { }, idempotencyKey, ct);

    public Task<ApiResult> PolicyAsync(CancellationToken ct = default) => client.GetAsync($"{Edge}/policy", ct);

    public Task<ApiResult> PatchPolicyAsync(IReadOnlyDictionary<string, object> fields, string idempotencyKey, CancellationToken ct = default) =>
        client.SendAsync(HttpMethod.Patch, $"{Edge}/policy", fields, idempotencyKey, ct);

    public Task<ApiResult> UploadsAsync(Guid? deviceId, string? sourceTable, string? state, PageRequest page, CancellationToken ct = default, Guid? lineageId = null) =>
        client.GetAsync(Query($"{Edge}/uploads", page, ("device_id", deviceId?.ToString()), ("source_table", sourceTable), ("state", state),
            ("lineage_id", lineageId?.ToString())), ct);

    public Task<ApiResult> UploadAsync(Guid uploadId, CancellationToken ct = default) => client.GetAsync($"{Edge}/uploads/{uploadId}", ct);

    public Task<ApiResult> RejectionsAsync(Guid? deviceId, string? code, PageRequest page, CancellationToken ct = default) =>
        client.GetAsync(Query($"{Edge}/rejections", page, ("device_id", deviceId?.ToString()), ("code", code)), ct);

    private static string Query(string path, PageRequest page, params (string Name, string? Value)[] filters)
    {
        var parts = filters.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => $"{f.Name}={Uri.EscapeDataString(f.Value!)}")
            .Append($"page={page.Page}").Append($"limit={page.Limit}");
        return $"{path}?{string.Join('&', parts)}";
    }
}

public sealed record PageRequest(int Page = 1, int Limit = 50)
{
    public PageRequest Next => this with { Page = Page + 1 };
    public PageRequest Previous => this with { Page = Math.Max(1, Page - 1) };
}

public sealed record LineageFilter(Guid? DeviceId = null, string? Status = null, string? SourceTable = null);

public sealed record ReviewFilter(string? Status = null, Guid? LineageId = null, Guid? DeviceId = null);
