using System.Text.Json;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Cli.Ui;

/// <summary>
/// The review and lineage keys an operator on call uses most — filters, claim, reject, pause and resume,
/// events, paging, quitting from a nested screen — each driven in tmux and checked through the API.
/// </summary>
public sealed partial class TerminalUiTests
{
    [Fact]
    public async Task Schema_reviews_filter_by_state_a_second_claim_is_a_conflict_and_a_rejection_keeps_its_reason_and_the_lineage_paused()
    {
        var (boiler, api, boilerLineage) = await PausedLineageWithStagedRowsAsync(table: "boiler_state");
        var (_, _, pumpLineage) = await PausedLineageWithStagedRowsAsync(boiler.ProjectId, table: "pump_state");
        var boilerReview = (await api.OpenReviewAsync(boilerLineage)).GetProperty("id").GetGuid();
        var pumpReview = (await api.OpenReviewAsync(pumpLineage)).GetProperty("id").GetGuid();
        using var ui = StartUi(boiler.ProjectId);
        await ui.WaitForAsync(boiler.Name);

        // Both reviews queued; the first row (the oldest: boiler_state) is selected.
        ui.Press("2");
        await ui.WaitUntilAsync(s => s.Contains("Schema reviews (every state) — page 1 of 1, 2 reviews")
            && Line(s, "boiler_state").Contains("queued") && Line(s, "pump_state").Contains("queued"), "both reviews queued");

        // c: claimed, in the API and on the screen.
        ui.Press("c");
        await ui.WaitUntilAsync(s => s.Contains("Claimed the review of boiler_state: in_review") && Line(s, "boiler_state").Contains("in_review"), "the claim");
        Assert.Equal("in_review", (await ReviewAsync(api, boiler.ProjectId, boilerReview)).GetProperty("state").GetString());
        Assert.Equal("queued", (await ReviewAsync(api, boiler.ProjectId, pumpReview)).GetProperty("state").GetString());

        // c again: the API's 409 in a message box; the UI keeps running.
        ui.Press("c");
        var conflict = await ui.WaitForAsync("review_not_queued");
        Assert.Contains("conflict", conflict);
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => !s.Contains("┥Error┝"), "the error box to close");

        // / in_review: only the claimed review.
        ui.Press("/");
        await ui.WaitForAsync("Filter schema reviews");
        ui.Type("in_review");
        ui.Press("Enter");
        var inReview = await ui.WaitForAsync("Schema reviews (in_review) — page 1 of 1, 1 reviews");
        Assert.Contains("boiler_state", inReview);
        Assert.DoesNotContain("pump_state", inReview);

        // / queued (the field starts with the current filter: typing replaces it): only the other one.
        ui.Press("/");
        await ui.WaitForAsync("Filter schema reviews");
        ui.Type("queued");
        ui.Press("Enter");
        var queued = await ui.WaitForAsync("Schema reviews (queued) — page 1 of 1, 1 reviews");
        Assert.Contains("pump_state", queued);
        Assert.DoesNotContain("boiler_state", queued);

        // Esc drops the filter (the selection stays on pump_state); ↑ to the claimed review, x: the prompt names it.
        ui.Press("Escape");
        await ui.WaitUntilAsync(s => s.Contains("Schema reviews (every state) — page 1 of 1, 2 reviews") && Line(s, "boiler_state").Contains("in_review"), "every review again");
        ui.Press("Up");
        ui.Press("x");
        Keep("reject-prompt", await ui.WaitForAsync($"Reject the schema of {boiler.Name} / boiler_state (in_review, action_version 2)?"));
        ui.Type("columns not agreed with the plant");
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => s.Contains("Rejected the schema of boiler_state") && Line(s, "boiler_state").Contains("rejected"), "the rejection");

        var rejected = await ReviewAsync(api, boiler.ProjectId, boilerReview);
        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        Assert.Equal("columns not agreed with the plant", rejected.GetProperty("decision_reason").GetString());
        var lineage = await api.LineageAsync(boilerLineage);
        Assert.Equal("paused", lineage.GetProperty("status").GetString());
        Assert.Contains("schema_review", lineage.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(3, lineage.GetProperty("counters").GetProperty("staged_row_count").GetInt64());
        Assert.Equal("queued", (await ReviewAsync(api, boiler.ProjectId, pumpReview)).GetProperty("state").GetString());

        // x again on the rejected review: nothing to ask, it is decided.
        ui.Press("x");
        await ui.WaitForAsync("This review cannot be rejected: it is rejected.");
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => !s.Contains("┥Error┝"), "the error box to close");

        // x on pump_state, and while the reason is typed another operator claims it: the rejection is made against
        // the version the prompt showed, so it is refused (409), not applied to a review that changed hands.
        ui.Press("Down");
        ui.Press("x");
        await ui.WaitForAsync("/ pump_state (queued, action_version 1)?");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await api.PostAsync($"/schema-reviews/{pumpReview}/claim")).StatusCode);
        ui.Type("too late");
        ui.Press("Enter");
        await ui.WaitForAsync("review_version_conflict");
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => !s.Contains("┥Error┝") && Line(s, "pump_state").Contains("in_review"), "the error box closed, pump_state in_review");
        var claimedMeanwhile = await ReviewAsync(api, boiler.ProjectId, pumpReview);
        Assert.Equal("in_review", claimedMeanwhile.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, claimedMeanwhile.GetProperty("decision_reason").ValueKind);

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    [Fact]
    public async Task Lineages_filter_by_text_and_status_pause_and_resume_with_a_reason_and_show_their_events()
    {
        var (boiler, api, boilerLineage) = await PausedLineageWithStagedRowsAsync(table: "boiler_state");
        var (_, _, pumpLineage) = await PausedLineageWithStagedRowsAsync(boiler.ProjectId, table: "pump_state");
        // pump_state approved over the API: active, while boiler_state waits for its review.
        await api.ApproveAsync((await api.OpenReviewAsync(pumpLineage)).GetProperty("id").GetGuid(),
            [new { source_column_name = "id", action = "mirror" }, new { source_column_name = "mode", action = "mirror" }, new { source_column_name = "setpoint", action = "mirror" }]);
        Assert.Equal("active", (await api.WaitForBacklogDrainedAsync(pumpLineage)).GetProperty("status").GetString());
        using var ui = StartUi(boiler.ProjectId);
        await ui.WaitUntilAsync(s => s.Contains("Lineages — page 1 of 1, 2 in the project") && s.Contains("boiler_state") && s.Contains("pump_state"), "both lineages");

        // / text: matched on the page shown; only boiler_state stays.
        ui.Press("/");
        await ui.WaitForAsync("Filter lineages");
        ui.Type("boiler");
        ui.Press("Enter");
        var byText = await ui.WaitForAsync("2 in the project, 1 shown; filter: boiler");
        Assert.Contains("boiler_state", byText);
        Assert.DoesNotContain("pump_state", byText);

        // / status:active — a server-side term (the API's total counts only the active one).
        ui.Press("/");
        await ui.WaitForAsync("Filter lineages");
        ui.Type("status:active");
        ui.Press("Enter");
        var byStatus = await ui.WaitForAsync("1 in the project, 1 shown; filter: status:active");
        Assert.Contains("pump_state", byStatus);
        Assert.DoesNotContain("boiler_state", byStatus);

        // Enter, P with a reason: the operator pause, in the API and in the detail.
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => s.Contains("Lineage — ") && s.Contains("/ pump_state") && s.Contains("Status         active"), "pump_state's detail");
        ui.Press("P");
        await ui.WaitForAsync("Pause lineage");
        ui.Type("pump maintenance");
        ui.Press("Enter");
        await ui.WaitUntilAsync(s => s.Contains("Status         paused") && s.Contains("Pause reasons  operator"), "the operator pause in the detail");
        var paused = await api.LineageAsync(pumpLineage);
        Assert.Equal("paused", paused.GetProperty("status").GetString());
        Assert.Contains("operator", paused.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));

        // R: the operator pause is removed.
        ui.Press("R");
        await ui.WaitUntilAsync(s => s.Contains("Operator pause cleared") && s.Contains("Pause reasons  -") && s.Contains("Status         active"), "the resume in the detail");
        var resumed = await api.LineageAsync(pumpLineage);
        Assert.DoesNotContain("operator", resumed.GetProperty("pause_reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("active", resumed.GetProperty("status").GetString());

        // e: the event history, from the review to the pause (with its reason) and the resume.
        ui.Press("e");
        var events = await ui.WaitUntilAsync(s => s.Contains("Event history — ") && s.Contains("review_queued") && s.Contains("pump maintenance"), "the events");
        Assert.Contains("review_approved", events);
        Keep("lineage-events", events);
        ui.Press("Escape");
        await ui.WaitUntilAsync(s => s.Contains("Status         active") && !s.Contains("Event history — "), "the detail again");

        // Back on the list the filter still applies; Esc drops it.
        ui.Press("Escape");
        await ui.WaitForAsync("1 in the project, 1 shown; filter: status:active");
        ui.Press("Escape");
        await ui.WaitUntilAsync(s => s.Contains("Lineages — page 1 of 1, 2 in the project") && !s.Contains("filter:") && s.Contains("boiler_state"), "the unfiltered list");

        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    [Fact]
    public async Task Staged_rows_page_with_n_and_p_and_q_on_a_nested_screen_quits_the_whole_ui()
    {
        // 60 rows: two pages of the staged-rows screen (50 a page).
        var (device, _, _) = await PausedLineageWithStagedRowsAsync(rows: 60);
        using var ui = StartUi(device.ProjectId);
        await ui.WaitUntilAsync(s => s.Contains(device.Name) && s.Contains("60 ("), "the lineage in the list");

        ui.Press("Enter");
        await ui.WaitForAsync("staged_row_count         60");
        ui.Press("d");
        var first = await ui.WaitForAsync("Page 1 of 2 — 60 staged rows");
        Assert.Contains("""{"id":1}""", first);
        Assert.DoesNotContain("""{"id":51}""", first);

        ui.Press("n");
        var second = await ui.WaitForAsync("Page 2 of 2 — 60 staged rows");
        Assert.Contains("""{"id":51}""", second);
        Assert.Contains("""{"id":60}""", second);
        Assert.DoesNotContain("""{"id":1}""", second);

        ui.Press("n");
        await ui.WaitForAsync("Already on the last page.");
        ui.Press("p");
        var back = await ui.WaitForAsync("Page 1 of 2 — 60 staged rows");
        Assert.Contains("""{"id":1}""", back);
        Assert.DoesNotContain("""{"id":51}""", back);

        // q on staged rows (over the detail, over the list): the process ends, not just the screen.
        ui.Press("q");
        await ui.WaitForAsync("[exited with 0]");
    }

    private static async Task<JsonElement> ReviewAsync(EdgeApi api, Guid projectId, Guid reviewId) =>
        (await api.Client.GetJsonAsync($"/core/api/v1/projects/{projectId}/edge/schema-reviews/{reviewId}")).GetProperty("data");
}
