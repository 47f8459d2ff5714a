using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Cli;

/// <summary>
/// Every subcommand against a real node over real HTTP: its JSON output must be what the API
/// says, and its failures must be the documented exit codes with a readable message.
/// </summary>
[Collection(CliNodeCollection.Name)]
public sealed class CliCommandTests(CliNodeFixture fixture)
{
    private NodeFixture Node => fixture.Node;

    /// <summary>A project with a device whose first batch of <paramref name="rows"/> rows is staged behind a queued review.</summary>
    private sealed record StagedLineage(RegisteredDevice Device, EdgeApi Api, Guid LineageId, Guid ReviewId) : IDisposable
    {
        public void Dispose() => Api.Dispose();
    }

    private async Task<StagedLineage> StagedLineageAsync(int rows = 3)
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        var api = new EdgeApi(Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(Node);
        var batch = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, rows));
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", batch)).ReasonCode);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        var reviewId = (await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid();
        return new StagedLineage(device, api, lineageId, reviewId);
    }

    private CliSession LoggedIn(Guid projectId, string permission = "PROJECT_CAN_MANAGE_DEVICES")
    {
        var cli = new CliSession();
        cli.Environment["EDGESYNC_API_URL"] = Node.HttpAddress;
        cli.Environment["EDGESYNC_TOKEN"] = Node.MintToken($"{projectId}:{permission}");
        cli.Environment["EDGESYNC_PROJECT"] = projectId.ToString();
        return cli;
    }

    private static string Base(Guid projectId) => $"/core/api/v1/projects/{projectId}";

    private static void AssertSameJson(JsonElement expected, JsonElement actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.GetRawText()), JsonNode.Parse(actual.GetRawText())),
            $"expected\n{expected}\nactual\n{actual}");

    [Fact]
    public async Task Login_saves_url_token_and_project_in_a_file_only_the_user_can_read_and_later_commands_use_them()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        using var cli = new CliSession();
        var token = Node.MintToken($"{projectId}:PROJECT_CAN_VIEW_DEVICES");

        var login = await cli.RunAsync("login", "--api-url", Node.HttpAddress, "--token", token, "--project", projectId.ToString());

        Assert.True(login.ExitCode == 0, login.ToString());
        var file = Path.Combine(cli.ConfigDirectory, "config.json");
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var saved = JsonNode.Parse(File.ReadAllText(file))!;
        Assert.Equal(token, saved["token"]!.GetValue<string>());
        Assert.Equal(projectId.ToString(), saved["project_id"]!.GetValue<string>());

        var lineages = await cli.JsonAsync("lineages", "list");
        Assert.Equal(JsonValueKind.Array, lineages.ValueKind);
        var context = await cli.RunAsync("context", "show");
        Assert.Contains(Node.HttpAddress, context.Out);
        Assert.Contains(projectId.ToString(), context.Out);
        Assert.Contains("subject", context.Out);

        var logout = await cli.RunAsync("logout");
        Assert.Equal(0, logout.ExitCode);
        var after = await cli.RunAsync("lineages", "list");
        Assert.Equal(2, after.ExitCode);
        Assert.Contains("not logged in", after.Error);
    }

    [Fact]
    public async Task Lineages_list_and_get_show_a_telemetry_lineage_with_its_kind_timestamp_column_and_batch_seq()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            var payloads = new TelemetryPayloads();
            var start = new DateTimeOffset(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(3, TelemetryPayloads.Rows(start, 1, 2)).ToJsonString())).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.Success,
                (await mqtt.PublishAsync("sync/telemetry/batch", payloads.Batch(6, TelemetryPayloads.Rows(start.AddHours(1), 3, 2), withColumns: false).ToJsonString())).ReasonCode);
        }
        using var cli = LoggedIn(device.ProjectId);

        var list = await cli.RunAsync("lineages", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        var line = Assert.Single(list.Out.Split('\n'), l => l.Contains("readings", StringComparison.Ordinal));
        Assert.Contains("telemetry", line);
        Assert.Contains("batch 6", line);

        var id = (await cli.JsonAsync("lineages", "list"))[0].GetProperty("id").GetString()!;
        var get = await cli.RunAsync("lineages", "get", id);
        Assert.Contains("Kind           telemetry (timestamp column taken_at)", get.Out);
        Assert.Contains("Batch seq      6 (highest accepted; 2 skipped)", get.Out);
    }

    [Fact]
    public async Task Login_with_a_token_the_API_refuses_saves_nothing_and_says_so()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        using var cli = new CliSession();

        var bad = await cli.RunAsync("login", "--api-url", Node.HttpAddress, "--token", "not-a-jwt", "--project", projectId.ToString());
        var otherProject = await cli.RunAsync("login", "--api-url", Node.HttpAddress,
            "--token", Node.MintToken($"{Guid.NewGuid()}:PROJECT_CAN_VIEW_DEVICES"), "--project", projectId.ToString());

        Assert.Equal(3, bad.ExitCode);
        Assert.Contains("not authorized", bad.Error);
        Assert.Contains("edgesync login", bad.Error);
        Assert.Equal(3, otherProject.ExitCode);
        Assert.Contains("forbidden", otherProject.Error);
        Assert.False(File.Exists(Path.Combine(cli.ConfigDirectory, "config.json")));
    }

    [Fact]
    public async Task An_unreachable_API_and_unknown_ids_are_clear_errors_with_their_exit_codes()
    {
        using var scenario = await StagedLineageAsync();
        var (device, api, _, _) = scenario;
        using var cli = LoggedIn(device.ProjectId);

        var unknown = await cli.RunAsync("lineages", "get", Guid.NewGuid().ToString());
        Assert.Equal(4, unknown.ExitCode);
        Assert.Contains("not found (lineage_not_found)", unknown.Error);

        cli.Environment["EDGESYNC_API_URL"] = $"http://127.0.0.1:{FreePort.Next()}";
        var unreachable = await cli.RunAsync("lineages", "list");
        Assert.Equal(6, unreachable.ExitCode);
        Assert.Contains("cannot reach the EdgeSync API", unreachable.Error);

        var usage = await cli.RunAsync("lineages", "get", "not-a-guid");
        Assert.Equal(2, usage.ExitCode);
    }

    [Fact]
    public async Task Lineage_list_get_staged_and_events_print_what_the_API_returns()
    {
        using var scenario = await StagedLineageAsync(rows: 4);
        var (device, api, lineageId, _) = scenario;
        using var cli = LoggedIn(device.ProjectId, "PROJECT_CAN_VIEW_DEVICES");
        var edge = $"{Base(device.ProjectId)}/edge";

        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/lineages")).GetProperty("data"), await cli.JsonAsync("lineages", "list"));
        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/lineages?device_id={device.DeviceId}&source_table=device_state")).GetProperty("data"),
            await cli.JsonAsync("lineages", "list", "--device", device.DeviceId.ToString(), "--table", "device_state"));
        Assert.Equal(0, (await cli.JsonAsync("lineages", "list", "--status", "active")).GetArrayLength());
        AssertSameJson(await api.LineageAsync(lineageId), await cli.JsonAsync("lineages", "get", lineageId.ToString()));
        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/lineages/{lineageId}/staged-rows")).GetProperty("data"),
            await cli.JsonAsync("lineages", "staged", lineageId.ToString()));
        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/lineages/{lineageId}/events")).GetProperty("data"),
            await cli.JsonAsync("lineages", "events", lineageId.ToString()));

        var staged = await cli.JsonAsync("lineages", "staged", lineageId.ToString());
        Assert.Equal([1L, 2, 3, 4], staged.EnumerateArray().Select(r => r.GetProperty("source_commit_seq").GetInt64()));

        // Paging: one row a page, every page with --all, one page without.
        var secondPage = await cli.JsonAsync("lineages", "staged", lineageId.ToString(), "--limit", "1", "--page", "2");
        Assert.Equal(2, secondPage[0].GetProperty("source_commit_seq").GetInt64());
        AssertSameJson(staged, await cli.JsonAsync("lineages", "staged", lineageId.ToString(), "--limit", "1", "--all"));

        // The table forms show the same facts for people.
        var table = await cli.RunAsync("lineages", "list");
        Assert.Contains("device_state", table.Out);
        Assert.Contains("paused", table.Out);
        Assert.Contains("schema_review", table.Out);
        var detail = await cli.RunAsync("lineages", "get", lineageId.ToString());
        Assert.Contains("Pause reasons  schema_review", detail.Out);
        Assert.Contains("Open review", detail.Out);
        var rows = await cli.RunAsync("lineages", "staged", lineageId.ToString(), "--limit", "2");
        Assert.Contains("cooling", rows.Out);
        Assert.Contains("page 1 of 2", rows.Out);
    }

    [Fact]
    public async Task Reviews_are_claimed_and_approved_with_column_actions_and_the_written_rows_are_the_mirror_rows()
    {
        using var scenario = await StagedLineageAsync(rows: 5);
        var (device, api, lineageId, reviewId) = scenario;
        using var cli = LoggedIn(device.ProjectId);
        var edge = $"{Base(device.ProjectId)}/edge";

        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/schema-reviews?status=queued")).GetProperty("data"),
            await cli.JsonAsync("reviews", "list", "--status", "queued"));
        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/schema-reviews/{reviewId}")).GetProperty("data"),
            await cli.JsonAsync("reviews", "get", reviewId.ToString()));
        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/schema-groups")).GetProperty("data"),
            await cli.JsonAsync("reviews", "groups"));
        var groups = await cli.RunAsync("reviews", "groups");
        Assert.Contains(reviewId.ToString(), groups.Out);
        var notYet = await cli.RunAsync("lineages", "written", lineageId.ToString());
        Assert.Equal(4, notYet.ExitCode);
        Assert.Contains("mirror_not_provisioned", notYet.Error);

        var claimed = await cli.JsonAsync("reviews", "claim", reviewId.ToString());
        Assert.Equal("in_review", claimed.GetProperty("state").GetString());
        var claimAgain = await cli.RunAsync("reviews", "claim", reviewId.ToString());
        Assert.Equal(5, claimAgain.ExitCode);
        Assert.Contains("conflict (review_not_queued)", claimAgain.Error);

        var staleVersion = claimed.GetProperty("action_version").GetInt32() - 1;
        var stale = await cli.RunAsync("reviews", "approve", reviewId.ToString(), "--action-version", staleVersion.ToString());
        Assert.Equal(5, stale.ExitCode);
        Assert.Contains("review_version_conflict", stale.Error);

        var approved = await cli.JsonAsync("reviews", "approve", reviewId.ToString(),
            "--column", "mode=mirror:operating_mode", "--column", "setpoint=ignore", "--mirror-table", $"cli_{Guid.NewGuid():N}"[..20]);
        Assert.Equal("approved", approved.GetProperty("state").GetString());

        await api.WaitForBacklogDrainedAsync(lineageId);
        var lineage = await api.LineageAsync(lineageId);
        var bindings = lineage.GetProperty("bindings").EnumerateArray()
            .ToDictionary(b => b.GetProperty("source_column").GetString()!, b => b.GetProperty("action").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["id"] = "mirror", ["mode"] = "mirror", ["setpoint"] = "ignore" }, bindings);

        var written = await cli.JsonAsync("lineages", "written", lineageId.ToString(), "--all");
        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/lineages/{lineageId}/mirror-rows")).GetProperty("data"), written);
        Assert.Equal([1L, 2, 3, 4, 5], written.EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).Order());
        Assert.All(written.EnumerateArray(), r => Assert.False(r.TryGetProperty("setpoint", out _)));
        Assert.Equal("cooling", written[0].GetProperty("operating_mode").GetString());

        var selected = await cli.JsonAsync("lineages", "written", lineageId.ToString(), "--columns", "id");
        Assert.All(selected.EnumerateArray(), r => Assert.False(r.TryGetProperty("operating_mode", out _)));
        var table = await cli.RunAsync("lineages", "written", lineageId.ToString());
        Assert.Contains("operating_mode", table.Out);
    }

    [Fact]
    public async Task Approving_with_an_unknown_column_or_a_bad_action_fails_before_anything_is_sent()
    {
        using var scenario = await StagedLineageAsync();
        var (device, api, lineageId, reviewId) = scenario;
        using var cli = LoggedIn(device.ProjectId);

        var unknown = await cli.RunAsync("reviews", "approve", reviewId.ToString(), "--column", "nope=mirror");
        var badAction = await cli.RunAsync("reviews", "approve", reviewId.ToString(), "--column", "mode=copy");
        var mapWithoutPoint = await cli.RunAsync("reviews", "approve", reviewId.ToString(), "--column", "setpoint=map");
        var keyIgnored = await cli.RunAsync("reviews", "approve", reviewId.ToString(), "--column", "id=ignore");

        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("'nope' is not a proposed column; they are: id, mode, setpoint", unknown.Error);
        Assert.Equal(2, badAction.ExitCode);
        Assert.Contains("expected NAME=ACTION", badAction.Error);
        Assert.Equal(2, mapWithoutPoint.ExitCode);
        Assert.Contains("needs a data point", mapWithoutPoint.Error);
        // The API's own validation, reported field by field.
        Assert.Equal(1, keyIgnored.ExitCode);
        Assert.Contains("key column 'id' must be mirrored", keyIgnored.Error);
        Assert.Equal("queued", (await api.OpenReviewAsync(lineageId)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_fleet_approval_records_a_registry_decision_that_the_registry_commands_list_show_and_revoke()
    {
        using var scenario = await StagedLineageAsync();
        var (device, api, lineageId, reviewId) = scenario;
        using var cli = LoggedIn(device.ProjectId);
        var edge = $"{Base(device.ProjectId)}/edge";

        var approval = await cli.JsonAsync("reviews", "approve", reviewId.ToString(), "--fleet");
        var decisionId = approval.GetProperty("decision").GetProperty("decision_id").GetGuid();
        Assert.Equal([reviewId], approval.GetProperty("approved_review_ids").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal(decisionId, (await api.LineageAsync(lineageId)).GetProperty("registry_decision_id").GetGuid());

        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/registry/decisions")).GetProperty("data"), await cli.JsonAsync("registry", "list"));
        var shown = await cli.RunAsync("registry", "get", decisionId.ToString());
        Assert.Contains("In force since", shown.Out);
        Assert.Contains("1 of 1 waiting review(s) approved", shown.Out);
        var listed = await cli.RunAsync("registry", "list", "--table", "device_state");
        Assert.Contains(decisionId.ToString(), listed.Out);

        var revoked = await cli.JsonAsync("registry", "revoke", decisionId.ToString());
        Assert.False(revoked.GetProperty("in_force").GetBoolean());
        Assert.Contains("Revoked", (await cli.RunAsync("registry", "get", decisionId.ToString())).Out);
    }

    [Fact]
    public async Task A_rejected_review_keeps_the_lineage_paused()
    {
        using var scenario = await StagedLineageAsync();
        var (device, api, lineageId, reviewId) = scenario;
        using var cli = LoggedIn(device.ProjectId);

        var rejected = await cli.JsonAsync("reviews", "reject", reviewId.ToString(), "--reason", "not this table");

        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        Assert.Equal("not this table", rejected.GetProperty("decision_reason").GetString());
        Assert.Equal("paused", (await api.LineageAsync(lineageId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Discard_quarantined_and_requeue_move_staged_rows_and_print_what_the_API_returns()
    {
        using var scenario = await StagedLineageAsync();
        var (device, api, lineageId, _) = scenario;
        using var cli = LoggedIn(device.ProjectId);
        var id = lineageId.ToString();
        var edge = $"{Base(device.ProjectId)}/edge";
        var epoch = (await api.Client.GetJsonAsync($"{edge}/lineages/{id}/staged-rows")).GetProperty("data")[0].GetProperty("journal_epoch").GetString()!;

        var discarded = await cli.JsonAsync("lineages", "discard", id, "--epoch", epoch, "--seq", "2", "--seq", "9", "--reason", "bad row");
        Assert.Equal([2L], discarded.GetProperty("discarded").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([9L], discarded.GetProperty("not_found").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(2, discarded.GetProperty("staged_row_count").GetInt64());
        var quarantined = await cli.JsonAsync("lineages", "quarantined", id);
        AssertSameJson((await api.Client.GetJsonAsync($"{edge}/lineages/{id}/quarantined-rows")).GetProperty("data"), quarantined);
        Assert.Equal("bad row", Assert.Single(quarantined.EnumerateArray()).GetProperty("reason").GetString());
        var table = await cli.RunAsync("lineages", "quarantined", id);
        Assert.Contains("bad row", table.Out);
        Assert.Contains("discarded", table.Out);

        var requeued = await cli.JsonAsync("lineages", "requeue", id, "--epoch", epoch, "--seq", "2");
        Assert.Equal([2L], requeued.GetProperty("requeued").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(0, (await cli.JsonAsync("lineages", "quarantined", id)).GetArrayLength());
        var text = await cli.RunAsync("lineages", "requeue", id, "--epoch", epoch, "--seq", "2");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("already staged 2", text.Out);
        var missing = await cli.RunAsync("lineages", "discard", id, "--epoch", epoch, "--seq", "1");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--reason", missing.Error);
    }

    [Fact]
    public async Task Pause_resume_reset_and_delete_act_on_the_lineage_and_a_retried_key_returns_the_stored_answer()
    {
        using var scenario = await StagedLineageAsync();
        var (device, api, lineageId, _) = scenario;
        using var cli = LoggedIn(device.ProjectId);
        var id = lineageId.ToString();

        var paused = await cli.JsonAsync("lineages", "pause", id, "--reason", "maintenance", "--idempotency-key", "pause-1");
        Assert.Contains("operator", paused.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));
        AssertSameJson(paused, await cli.JsonAsync("lineages", "pause", id, "--reason", "maintenance", "--idempotency-key", "pause-1"));
        var reused = await cli.RunAsync("lineages", "pause", id, "--reason", "other", "--idempotency-key", "pause-1");
        Assert.Equal(1, reused.ExitCode);
        Assert.Contains("idempotency_key_reused", reused.Error);

        var resumed = await cli.JsonAsync("lineages", "resume", id);
        Assert.DoesNotContain("operator", resumed.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));

        var reset = await cli.RunAsync("lineages", "reset", id);
        Assert.Equal(5, reset.ExitCode);
        Assert.Contains("conflict", reset.Error);

        var unconfirmed = await cli.RunAsync("lineages", "delete", id);
        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Error);
        Assert.Equal(id, (await api.LineageAsync(lineageId)).GetProperty("id").GetString());

        var deleted = await cli.JsonAsync("lineages", "delete", id, "--yes");
        Assert.Equal(id, deleted.GetProperty("lineage_id").GetString());
        var gone = await cli.RunAsync("lineages", "get", id);
        Assert.Equal(4, gone.ExitCode);
    }

    [Fact]
    public async Task A_tripped_breaker_shows_its_error_in_the_detail_and_reset_resumes_the_lineage_once_the_cause_is_fixed()
    {
        using var scenario = await StagedLineageAsync(rows: 2);
        var (device, api, lineageId, reviewId) = scenario;
        using var cli = LoggedIn(device.ProjectId);
        await cli.JsonAsync("policy", "set", "--circuit-breaker-threshold", "1");
        await cli.JsonAsync("reviews", "approve", reviewId.ToString());
        var mirror = (await api.WaitForBacklogDrainedAsync(lineageId)).GetProperty("mirror").GetProperty("name").GetString()!;

        // The cause: a constraint on the mirror that the device's next rows violate.
        await using var db = new Npgsql.NpgsqlConnection(Node.ConnectionString);
        await db.OpenAsync();
        await using (var constrain = new Npgsql.NpgsqlCommand($"ALTER TABLE edge_mirror.\"{mirror}\" ADD CONSTRAINT setpoint_cap CHECK (setpoint < 100)", db))
            await constrain.ExecuteNonQueryAsync();
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            var batch = new BatchPayloads().BatchJson([BatchPayloads.Upsert(3, 3, "boost", 150)]);
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", batch)).ReasonCode);
        }
        await Eventually.GetAsync(() => api.LineageAsync(lineageId),
            l => l.GetProperty("pause_reasons").EnumerateArray().Any(r => r.GetString() == "circuit_breaker"), what: "the breaker to trip");

        var detail = await cli.RunAsync("lineages", "get", lineageId.ToString());
        Assert.Contains("circuit_breaker", detail.Out);
        Assert.Contains("Failures       1 consecutive permanent write errors", detail.Out);
        Assert.Contains("setpoint_cap", detail.Out);

        await using (var fix = new Npgsql.NpgsqlCommand($"ALTER TABLE edge_mirror.\"{mirror}\" DROP CONSTRAINT setpoint_cap", db))
            await fix.ExecuteNonQueryAsync();
        var reset = await cli.JsonAsync("lineages", "reset", lineageId.ToString());

        Assert.True(reset.GetProperty("resumed").GetBoolean());
        Assert.Equal("active", reset.GetProperty("status").GetString());
        var drained = await api.WaitForBacklogDrainedAsync(lineageId);
        Assert.Equal(0, drained.GetProperty("materialization_failure_count").GetInt32());
        Assert.Equal(3, (await cli.JsonAsync("lineages", "written", lineageId.ToString())).GetArrayLength());
    }

    [Fact]
    public async Task Uploads_are_listed_and_shown_as_the_API_shows_them()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        using var viewer = Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        using var cli = LoggedIn(device.ProjectId, "PROJECT_CAN_VIEW_DEVICES");
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            await mqtt.ListenForControlsAsync();
            await mqtt.PublishAsync("sync/ingest/request", """{"format_version":1,"request_kind":"url_request","source_table":"pump","segment_kind":"payload_spill"}""");
            await mqtt.WaitForControlAsync("url_grant");
        }

        var all = await cli.JsonAsync("uploads", "list");
        var granted = await cli.JsonAsync("uploads", "list", "--state", "granted", "--table", "pump", "--device", device.DeviceId.ToString());
        var uploadId = Assert.Single(all.EnumerateArray()).GetProperty("upload_id").GetString()!;
        var one = await cli.JsonAsync("uploads", "get", uploadId);
        var text = await cli.RunAsync("uploads", "get", uploadId);

        AssertSameJson((await viewer.GetJsonAsync($"{Base(device.ProjectId)}/edge/uploads")).GetProperty("data"), all);
        AssertSameJson(all, granted);
        AssertSameJson((await viewer.GetJsonAsync($"{Base(device.ProjectId)}/edge/uploads/{uploadId}")).GetProperty("data"), one);
        Assert.Empty((await cli.JsonAsync("uploads", "list", "--state", "finalized")).EnumerateArray());
        Assert.Contains("payload_spill", text.Out);
        Assert.Contains("granted", text.Out);
    }

    [Fact]
    public async Task Rejected_batches_are_listed_with_their_code_as_the_API_lists_them()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        using var viewer = Node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        using var cli = LoggedIn(device.ProjectId, "PROJECT_CAN_VIEW_DEVICES");
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            await mqtt.PublishAsync("sync/rows/batch", "not json");
            await mqtt.PublishAsync("sync/rows/batch", """{"format_version":1,"device_id":"x"}""");
        }

        var all = await cli.JsonAsync("rejections", "list");
        var malformed = await cli.JsonAsync("rejections", "list", "--code", "malformed_json", "--device", device.DeviceId.ToString());
        var table = await cli.RunAsync("rejections", "list");

        AssertSameJson((await viewer.GetJsonAsync($"{Base(device.ProjectId)}/edge/rejections")).GetProperty("data"), all);
        Assert.Equal(["envelope_unstripped_tenant_fields", "malformed_json"], all.EnumerateArray().Select(r => r.GetProperty("code").GetString()).Order());
        Assert.Equal("malformed_json", Assert.Single(malformed.EnumerateArray()).GetProperty("code").GetString());
        Assert.Contains("envelope_unstripped_tenant_fields", table.Out);
    }

    [Fact]
    public async Task A_view_only_token_cannot_mutate()
    {
        using var scenario = await StagedLineageAsync();
        var (device, api, lineageId, _) = scenario;
        using var cli = LoggedIn(device.ProjectId, "PROJECT_CAN_VIEW_DEVICES");

        var pause = await cli.RunAsync("lineages", "pause", lineageId.ToString());

        Assert.Equal(3, pause.ExitCode);
        Assert.Contains("forbidden", pause.Error);
        Assert.DoesNotContain("operator", (await api.LineageAsync(lineageId)).GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Devices_are_created_listed_and_get_a_new_secret_that_works_over_MQTT()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        using var cli = LoggedIn(projectId);
        using var admin = Node.CreateClient($"{projectId}:PROJECT_CAN_MANAGE_DEVICES");

        var created = await cli.JsonAsync("devices", "create", "--name", "gw-cli-1");
        var deviceId = created.GetProperty("id").GetString();
        Assert.False(string.IsNullOrEmpty(created.GetProperty("secret").GetString()));
        AssertSameJson((await admin.GetJsonAsync($"{Base(projectId)}/devices")).GetProperty("data"), await cli.JsonAsync("devices", "list"));
        AssertSameJson((await admin.GetJsonAsync($"{Base(projectId)}/devices/{deviceId}")).GetProperty("data"), await cli.JsonAsync("devices", "get", deviceId!));

        var rotated = await cli.JsonAsync("devices", "rotate-secret", deviceId!);
        var secret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(created.GetProperty("secret").GetString(), secret);
        await using var mqtt = await TestDevice.ConnectAsync(Node.MqttPort, rotated.GetProperty("mqtt_username").GetString()!, rotated.GetProperty("mqtt_username").GetString()!,
            secret, rotated.GetProperty("topic_root").GetString()!);
        Assert.True(mqtt.IsConnected);

        var table = await cli.RunAsync("devices", "create", "--name", "gw-cli-2");
        Assert.Contains("shown only now", table.Out);
    }

    [Fact]
    public async Task Policy_get_and_set_change_only_the_fields_given()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        using var cli = LoggedIn(projectId);
        using var viewer = Node.CreateClient($"{projectId}:PROJECT_CAN_VIEW_DEVICES");

        var set = await cli.JsonAsync("policy", "set", "--allow-additive-continue", "true", "--max-pending-rows", "5000");

        Assert.True(set.GetProperty("allow_additive_continue").GetBoolean());
        Assert.Equal(5000, set.GetProperty("max_pending_rows_per_lineage").GetInt64());
        Assert.Equal(80, set.GetProperty("resume_threshold_percent").GetInt32());
        AssertSameJson((await viewer.GetJsonAsync($"{Base(projectId)}/edge/policy")).GetProperty("data"), await cli.JsonAsync("policy", "get"));

        var invalid = await cli.RunAsync("policy", "set", "--resume-threshold-percent", "150");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("resume_threshold_percent", invalid.Error);
        var nothing = await cli.RunAsync("policy", "set");
        Assert.Equal(2, nothing.ExitCode);

        var quarantine = await cli.JsonAsync("policy", "set", "--on-permanent-row-error", "quarantine");
        Assert.Equal("quarantine", quarantine.GetProperty("on_permanent_row_error").GetString());
        Assert.Equal(5000, quarantine.GetProperty("max_pending_rows_per_lineage").GetInt64());
        Assert.Equal(2, (await cli.RunAsync("policy", "set", "--on-permanent-row-error", "ignore")).ExitCode);
        var layout = await cli.JsonAsync("policy", "set", "--default-mirror-layout", "coalesced");
        Assert.Equal("coalesced", layout.GetProperty("default_mirror_layout").GetString());
        Assert.Equal(5000, layout.GetProperty("max_pending_rows_per_lineage").GetInt64());
        var unknownLayout = await cli.RunAsync("policy", "set", "--default-mirror-layout", "fleet");
        Assert.Equal(2, unknownLayout.ExitCode);
    }
}
