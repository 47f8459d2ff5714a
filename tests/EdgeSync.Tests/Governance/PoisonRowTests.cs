using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeSync.Tests.Api;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Governance;

/// <summary>
/// A row no mirror can take (text in an INTEGER column) must not hold its lineage hostage: a DDL
/// fix takes effect, an operator can discard and re-queue rows, and the policy can set failing
/// rows aside by itself. Real node, real MQTT, real PostgreSQL.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class PoisonRowTests(NodeFixture node)
{
    private static readonly object[] MirrorAll =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "rpm", action = "mirror" },
    ];

    private sealed record Setup(RegisteredDevice Device, EdgeApi Api, TestDevice Mqtt, SqliteSource Source, Guid LineageId, string Mirror) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Mqtt.DisposeAsync();
            Source.Dispose();
            Api.Dispose();
        }
    }

    /// <summary>A device whose table "pump" (id INTEGER PRIMARY KEY, rpm INTEGER) is approved with row 1 (rpm 100) written.</summary>
    private async Task<Setup> ApprovedPumpAsync(object policy)
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await PatchPolicyAsync(api, device.ProjectId, policy);
        var mqtt = await device.ConnectAsync(node);
        var source = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
        source.Upsert(new Dictionary<string, object?> { ["id"] = 1L, ["rpm"] = 100L });
        await PublishAsync(mqtt, source);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        await api.ApproveAsync((await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid(), MirrorAll);
        var mirror = (await api.WaitForBacklogDrainedAsync(lineageId)).GetProperty("mirror").GetProperty("name").GetString()!;
        return new Setup(device, api, mqtt, source, lineageId, mirror);
    }

    private static async Task PatchPolicyAsync(EdgeApi api, Guid projectId, object patch)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/core/api/v1/projects/{projectId}/edge/policy") { Content = JsonContent.Create(patch) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.OK, (await api.Client.SendAsync(request)).StatusCode);
    }

    private static async Task PublishAsync(TestDevice mqtt, SqliteSource source) =>
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);

    /// <summary>Row 2 carries the text "not-a-number" in rpm (SQLite keeps it), row 3 is good; each in its own batch.</summary>
    private static async Task SendPoisonThenGoodAsync(Setup s)
    {
        s.Source.Upsert(new Dictionary<string, object?> { ["id"] = 2L, ["rpm"] = "not-a-number" });
        await PublishAsync(s.Mqtt, s.Source);
        s.Source.Upsert(new Dictionary<string, object?> { ["id"] = 3L, ["rpm"] = 300L });
        await PublishAsync(s.Mqtt, s.Source);
    }

    private static Task<JsonElement> TrippedAsync(Setup s) =>
        Eventually.GetAsync(() => s.Api.LineageAsync(s.LineageId),
            l => l.GetProperty("pause_reasons").EnumerateArray().Any(r => r.GetString() == "circuit_breaker"), what: "the breaker to trip");

    private async Task AlterAsync(string sql)
    {
        await using var db = new NpgsqlConnection(node.ConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> EventTypesAsync(Setup s) =>
        (await s.Api.Client.GetJsonAsync($"/core/api/v1/projects/{s.Device.ProjectId}/edge/lineages/{s.LineageId}/events?limit=500"))
            .GetProperty("data").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToList();

    private static async Task<List<JsonElement>> QuarantinedAsync(Setup s) =>
        (await s.Api.Client.GetJsonAsync($"/core/api/v1/projects/{s.Device.ProjectId}/edge/lineages/{s.LineageId}/quarantined-rows"))
            .GetProperty("data").EnumerateArray().ToList();

    private static async Task<List<long>> StagedSeqsAsync(Setup s) =>
        (await s.Api.Client.GetJsonAsync($"/core/api/v1/projects/{s.Device.ProjectId}/edge/lineages/{s.LineageId}/staged-rows"))
            .GetProperty("data").EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()).ToList();

    private static Dictionary<long, JsonElement> ById(IEnumerable<JsonElement> rows) => rows.ToDictionary(r => r.GetProperty("id").GetInt64(), r => r.GetProperty("rpm"));

    [Fact]
    public async Task Altering_the_mirror_column_to_text_and_resetting_drains_everything_and_the_breaker_stays_closed()
    {
        await using var s = await ApprovedPumpAsync(new { circuit_breaker_threshold = 2 });
        await SendPoisonThenGoodAsync(s);
        var tripped = await TrippedAsync(s);
        Assert.Contains("rpm", tripped.GetProperty("materialization_last_error").GetString());

        await AlterAsync($"ALTER TABLE edge_mirror.\"{s.Mirror}\" ALTER COLUMN rpm TYPE text USING rpm::text");
        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsync($"/lineages/{s.LineageId}/reset-materialization")).StatusCode);

        var drained = await s.Api.WaitForBacklogDrainedAsync(s.LineageId);
        Assert.Equal("active", drained.GetProperty("status").GetString());
        Assert.Equal(0, drained.GetProperty("materialization_failure_count").GetInt32());
        var rows = ById(await s.Api.MirrorRowsAsync(s.LineageId));
        Assert.Equal(["100", "not-a-number", "300"], new[] { 1L, 2L, 3L }.Select(id => rows[id].GetString()));
        // Later rows go straight through, as text now.
        s.Source.Upsert(new Dictionary<string, object?> { ["id"] = 4L, ["rpm"] = 400L });
        await PublishAsync(s.Mqtt, s.Source);
        Assert.Equal("400", ById(await s.Api.MirrorRowsAsync(s.LineageId))[4].GetString());
        var types = await EventTypesAsync(s);
        Assert.DoesNotContain("materialization_failed", types[types.LastIndexOf("materialization_reset")..]);
        Assert.Empty((await s.Api.LineageAsync(s.LineageId)).GetProperty("pause_reasons").EnumerateArray());
    }

    [Fact]
    public async Task Discarding_the_bad_row_lets_the_rows_behind_it_drain_after_the_reset_and_requeue_brings_it_back()
    {
        await using var s = await ApprovedPumpAsync(new { circuit_breaker_threshold = 2 });
        await SendPoisonThenGoodAsync(s);
        await TrippedAsync(s);
        Assert.Equal([2L, 3L], await StagedSeqsAsync(s));

        var discard = new { journal_epoch = s.Source.Epoch, commit_seqs = new[] { 2L, 99L }, reason = "sensor sends text" };
        var discarded = await Fleet.ReadDataAsync(await s.Api.PostAsync($"/lineages/{s.LineageId}/staged-rows/discard", discard));
        Assert.Equal([2L], discarded.GetProperty("discarded").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([99L], discarded.GetProperty("not_found").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(1, discarded.GetProperty("staged_row_count").GetInt64());
        Assert.Equal("paused", discarded.GetProperty("status").GetString());
        // A repeat changes nothing and says where the row is.
        var again = await Fleet.ReadDataAsync(await s.Api.PostAsync($"/lineages/{s.LineageId}/staged-rows/discard", discard));
        Assert.Empty(again.GetProperty("discarded").EnumerateArray());
        Assert.Equal([2L], again.GetProperty("already_quarantined").EnumerateArray().Select(e => e.GetInt64()));

        var quarantined = Assert.Single(await QuarantinedAsync(s));
        Assert.Equal(2, quarantined.GetProperty("source_commit_seq").GetInt64());
        Assert.Equal("discarded", quarantined.GetProperty("kind").GetString());
        Assert.Contains("rpm", quarantined.GetProperty("error").GetString());
        Assert.StartsWith("operator:", quarantined.GetProperty("actor").GetString());
        Assert.Equal("sensor sends text", quarantined.GetProperty("reason").GetString());
        Assert.Equal("not-a-number", quarantined.GetProperty("row").GetProperty("rpm").GetString());
        Assert.Equal("insert", quarantined.GetProperty("op").GetString());
        Assert.Contains("staged_rows_discarded", await EventTypesAsync(s));

        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsync($"/lineages/{s.LineageId}/reset-materialization")).StatusCode);
        await s.Api.WaitForBacklogDrainedAsync(s.LineageId);
        Assert.Equal([1L, 3L], ById(await s.Api.MirrorRowsAsync(s.LineageId)).Keys.Order());

        // Back into staging: it fails again until the mirror can take it (a high threshold keeps the breaker out of the way).
        await PatchPolicyAsync(s.Api, s.Device.ProjectId, new { circuit_breaker_threshold = 1000 });
        var requeued = await Fleet.ReadDataAsync(await s.Api.PostAsync($"/lineages/{s.LineageId}/quarantined-rows/requeue",
            new { journal_epoch = s.Source.Epoch, commit_seqs = new[] { 2L } }));
        Assert.Equal([2L], requeued.GetProperty("requeued").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Empty(await QuarantinedAsync(s));
        Assert.Equal([2L], await StagedSeqsAsync(s));
        Assert.Contains("quarantined_rows_requeued", await EventTypesAsync(s));

        await AlterAsync($"ALTER TABLE edge_mirror.\"{s.Mirror}\" ALTER COLUMN rpm TYPE text USING rpm::text");
        await s.Api.WaitForBacklogDrainedAsync(s.LineageId);
        Assert.Equal("not-a-number", ById(await s.Api.MirrorRowsAsync(s.LineageId))[2].GetString());
    }

    [Fact]
    public async Task With_the_quarantine_policy_a_bad_row_is_set_aside_and_the_rest_of_its_batch_is_written_without_a_pause()
    {
        await using var s = await ApprovedPumpAsync(new { on_permanent_row_error = "quarantine", circuit_breaker_threshold = 1 });
        s.Source.Upsert(new Dictionary<string, object?> { ["id"] = 2L, ["rpm"] = 200L });
        s.Source.Upsert(new Dictionary<string, object?> { ["id"] = 3L, ["rpm"] = "not-a-number" });
        s.Source.Upsert(new Dictionary<string, object?> { ["id"] = 4L, ["rpm"] = 400L });
        await PublishAsync(s.Mqtt, s.Source);

        var lineage = await s.Api.LineageAsync(s.LineageId);
        Assert.Equal("active", lineage.GetProperty("status").GetString());
        Assert.Equal(0, lineage.GetProperty("materialization_failure_count").GetInt32());
        Assert.Equal(0, lineage.GetProperty("counters").GetProperty("staged_row_count").GetInt64());
        Assert.Equal(1, lineage.GetProperty("counters").GetProperty("rows_quarantined").GetInt64());
        Assert.Equal([1L, 2L, 4L], ById(await s.Api.MirrorRowsAsync(s.LineageId)).Keys.Order());
        var quarantined = Assert.Single(await QuarantinedAsync(s));
        Assert.Equal((3L, "quarantined", "system"),
            (quarantined.GetProperty("source_commit_seq").GetInt64(), quarantined.GetProperty("kind").GetString(), quarantined.GetProperty("actor").GetString()));
        Assert.Contains("rpm", quarantined.GetProperty("error").GetString());
        var types = await EventTypesAsync(s);
        Assert.Contains("rows_quarantined", types);
        Assert.DoesNotContain("materialization_failed", types);
        using var client = node.CreateClient();
        Assert.Matches("""edgesync_rows_quarantined_total\{[^}]*source="live"[^}]*\} [1-9]""", await client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task With_the_quarantine_policy_a_replay_sets_a_staged_bad_row_aside_and_drains_the_rest()
    {
        await using var s = await ApprovedPumpAsync(new { on_permanent_row_error = "quarantine" });
        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsync($"/lineages/{s.LineageId}/pause", new { reason = "maintenance" })).StatusCode);
        await SendPoisonThenGoodAsync(s);
        Assert.Equal([2L, 3L], await StagedSeqsAsync(s));

        Assert.Equal(HttpStatusCode.OK, (await s.Api.PostAsync($"/lineages/{s.LineageId}/resume")).StatusCode);
        var drained = await s.Api.WaitForBacklogDrainedAsync(s.LineageId);
        Assert.Equal("active", drained.GetProperty("status").GetString());
        Assert.Equal([1L, 3L], ById(await s.Api.MirrorRowsAsync(s.LineageId)).Keys.Order());
        var quarantined = Assert.Single(await QuarantinedAsync(s));
        Assert.Equal(2, quarantined.GetProperty("source_commit_seq").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, quarantined.GetProperty("staged_at").ValueKind);
        using var client = node.CreateClient();
        Assert.Matches("""edgesync_rows_quarantined_total\{[^}]*source="replay"[^}]*\} [1-9]""", await client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task With_the_quarantine_policy_an_error_of_the_table_not_of_its_rows_still_trips_the_breaker_and_sets_nothing_aside()
    {
        await using var s = await ApprovedPumpAsync(new { on_permanent_row_error = "quarantine", circuit_breaker_threshold = 1 });
        await AlterAsync($"ALTER TABLE edge_mirror.\"{s.Mirror}\" DROP COLUMN rpm");
        s.Source.Upsert(new Dictionary<string, object?> { ["id"] = 2L, ["rpm"] = 200L });
        await PublishAsync(s.Mqtt, s.Source);

        var tripped = await TrippedAsync(s);
        Assert.Contains("rpm", tripped.GetProperty("materialization_last_error").GetString());
        Assert.Empty(await QuarantinedAsync(s));
        Assert.Equal([2L], await StagedSeqsAsync(s));
    }

    [Fact]
    public async Task One_failed_live_batch_counts_once_its_replay_tries_again_only_after_the_retry_interval()
    {
        await using var s = await ApprovedPumpAsync(new { circuit_breaker_threshold = 1000 });
        s.Source.Upsert(new Dictionary<string, object?> { ["id"] = 2L, ["rpm"] = "not-a-number" });
        await PublishAsync(s.Mqtt, s.Source);

        var events = await Eventually.GetAsync(
            async () => (await s.Api.Client.GetJsonAsync($"/core/api/v1/projects/{s.Device.ProjectId}/edge/lineages/{s.LineageId}/events?limit=500"))
                .GetProperty("data").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "materialization_failed").ToList(),
            failed => failed.Count >= 2, what: "the replay's first retry");
        Assert.Equal(1, events[0].GetProperty("data").GetProperty("consecutive_failures").GetInt32());
        Assert.Equal(2, events[1].GetProperty("data").GetProperty("consecutive_failures").GetInt32());
        // The node's retry interval is 300 ms here; an immediate retry came within a few milliseconds.
        var gap = events[1].GetProperty("timestamp").GetDateTimeOffset() - events[0].GetProperty("timestamp").GetDateTimeOffset();
        Assert.True(gap >= TimeSpan.FromMilliseconds(250), $"the replay retried {gap.TotalMilliseconds} ms after the live failure");
    }

    [Fact]
    public async Task Invalid_discard_and_requeue_bodies_list_every_invalid_field_and_another_projects_lineage_is_not_found()
    {
        await using var s = await ApprovedPumpAsync(new { });
        var bad = await s.Api.PostAsync($"/lineages/{s.LineageId}/staged-rows/discard", new { commit_seqs = Array.Empty<long>(), reason = "" });
        var errors = (await bad.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!.AsObject();
        Assert.Equal(["commit_seqs", "journal_epoch", "reason"], errors.Select(e => e.Key).Order());
        var badRequeue = await s.Api.PostAsync($"/lineages/{s.LineageId}/quarantined-rows/requeue", new { journal_epoch = Guid.Empty, commit_seqs = new[] { -1L } });
        var requeueErrors = (await badRequeue.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!.AsObject();
        Assert.Equal(["commit_seqs", "journal_epoch"], requeueErrors.Select(e => e.Key).Order());
        var badPolicy = new HttpRequestMessage(HttpMethod.Patch, $"/core/api/v1/projects/{s.Device.ProjectId}/edge/policy")
        {
            Content = JsonContent.Create(new { on_permanent_row_error = "ignore" }),
        };
        badPolicy.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.True((await (await s.Api.Client.SendAsync(badPolicy)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!
            .AsObject().ContainsKey("on_permanent_row_error"));
        var policy = (await s.Api.Client.GetJsonAsync($"/core/api/v1/projects/{s.Device.ProjectId}/edge/policy")).GetProperty("data");
        Assert.Equal("pause", policy.GetProperty("on_permanent_row_error").GetString());

        // The same calls from another project's operator: the lineage does not exist there.
        var other = await Fleet.CreateProjectAsync(node);
        using var stranger = new EdgeApi(node.CreateClient($"{other}:PROJECT_CAN_MANAGE_DEVICES"), other);
        var valid = new { journal_epoch = s.Source.Epoch, commit_seqs = new[] { 1L }, reason = "x" };
        await (await stranger.PostAsync($"/lineages/{s.LineageId}/staged-rows/discard", valid)).AssertProblemAsync(HttpStatusCode.NotFound, "lineage_not_found");
        await (await stranger.PostAsync($"/lineages/{s.LineageId}/quarantined-rows/requeue", valid)).AssertProblemAsync(HttpStatusCode.NotFound, "lineage_not_found");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Client.GetAsync($"/core/api/v1/projects/{other}/edge/lineages/{s.LineageId}/quarantined-rows")).StatusCode);
    }
}
