using System.Net;
using EdgeSync.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Board;

/// <summary>The board, the sign-in and the dashboard as an operator's browser (Debian's headless chromium) sees them.</summary>
[Collection(BoardCollection.Name)]
public sealed class BoardBrowserTests(BoardFixture fixture, ITestOutputHelper output)
{
    private NodeFixture Node => fixture.Node;

    private async Task<string> ScreenshotAsync(BrowserTab tab, string name)
    {
        var path = await tab.ScreenshotAsync(name);
        output.WriteLine($"screenshot: {path}");
        return path;
    }

    [Fact]
    public async Task Signing_in_on_the_login_page_sets_an_http_only_strict_session_cookie_that_scripts_cannot_read()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        await using var tab = await fixture.Browser.OpenAsync();

        var landed = await tab.SignInAsync(fixture, Node.Viewer(projectId));

        Assert.Equal(HttpStatusCode.OK, landed!.Status);
        Assert.EndsWith("/board", new Uri(tab.Page.Url).AbsolutePath);
        var session = Assert.Single(await tab.Page.GetCookiesAsync(), c => c.Name == "edgesync_session");
        Assert.True(session.HttpOnly);
        Assert.Equal(PuppeteerSharp.SameSite.Strict, session.SameSite);
        Assert.False(session.Secure); // plain HTTP, no trusted gateway saying https
        Assert.DoesNotContain("edgesync_session", await tab.Page.EvaluateExpressionAsync<string>("document.cookie"));
        await tab.Page.WaitForSelectorAsync("body[data-loaded='true']");
        await ScreenshotAsync(tab, "signed-in");

        // The cookie calls the API; a state-changing call without the anti-forgery header is refused.
        var read = await tab.Page.EvaluateFunctionAsync<int>(
            "async url => (await fetch(url, { headers: { Accept: 'application/json' } })).status", $"/core/api/v1/projects/{projectId}");
        Assert.Equal(200, read);
        var forged = await tab.Page.EvaluateFunctionAsync<string>(
            "async url => { const r = await fetch(url, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k1' }, body: '{}' }); return r.status + ' ' + (await r.json()).code; }",
            $"/core/api/v1/projects/{projectId}/edge/policy");
        Assert.Equal("403 antiforgery_token_invalid", forged);

        // A token that does not validate as a bearer token does not sign in.
        await using var other = await fixture.Browser.OpenAsync();
        var refused = await other.SignInAsync(fixture, Node.Viewer(projectId)[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, refused!.Status);
        Assert.Contains("invalid or expired", await other.Page.EvaluateExpressionAsync<string>("document.getElementById('login-error').textContent"));
        Assert.DoesNotContain(await other.Page.GetCookiesAsync(), c => c.Name == "edgesync_session");
    }

    [Fact]
    public async Task Signing_in_with_OpenID_Connect_runs_the_code_flow_with_PKCE_into_the_same_session_cookie()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        fixture.Identity.Subject = "oidc-operator";
        fixture.Identity.Permissions = [$"{projectId}:PROJECT_CAN_VIEW_DEVICES"];
        var verified = fixture.Identity.VerifiedPkceExchanges;
        await using var tab = await fixture.Browser.OpenAsync();

        await tab.Page.GoToAsync(fixture.Url($"/board?project={projectId}"));
        Assert.Equal("/login", new Uri(tab.Page.Url).AbsolutePath);
        var navigation = tab.Page.WaitForNavigationAsync();
        await tab.Page.ClickAsync("#sign-in-oidc");
        await navigation;

        Assert.Equal($"/board?project={projectId}", new Uri(tab.Page.Url).PathAndQuery);
        await tab.Page.WaitForSelectorAsync("body[data-loaded='true']");
        Assert.Equal("oidc-operator", await tab.Page.EvaluateExpressionAsync<string>("document.getElementById('who').textContent"));
        Assert.Equal([projectId.ToString()], await tab.Page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#project option')].map(o => o.value)"));
        Assert.True(Assert.Single(await tab.Page.GetCookiesAsync(), c => c.Name == "edgesync_session").HttpOnly);
        Assert.Equal(verified + 1, fixture.Identity.VerifiedPkceExchanges);
        // The session made this way is held to the same anti-forgery rule.
        var forged = await tab.Page.EvaluateFunctionAsync<string>(
            "async url => (await (await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k2' }, body: '{}' })).json()).code",
            $"/core/api/v1/projects/{projectId}/devices");
        Assert.Equal("antiforgery_token_invalid", forged);
        await ScreenshotAsync(tab, "board-oidc");
    }

    [Fact]
    public async Task A_signed_out_visit_to_the_board_or_the_dashboard_goes_to_the_login_page_and_back_after_sign_in()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        await using var tab = await fixture.Browser.OpenAsync();

        var response = await tab.Page.GoToAsync(fixture.Url($"/board?project={projectId}"));
        Assert.Equal("/login", new Uri(tab.Page.Url).AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, response!.Status);
        await ScreenshotAsync(tab, "login-page");
        await tab.Page.GoToAsync(fixture.Url("/dashboard/"));
        Assert.Equal("/login", new Uri(tab.Page.Url).AbsolutePath);

        // API calls without credentials still get a 401 problem, not a redirect.
        using var anonymous = new HttpClient();
        var api = await anonymous.GetAsync(fixture.Url($"/core/api/v1/projects/{projectId}"));
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);

        // Signing in from the redirect returns to the page asked for.
        await tab.Page.GoToAsync(fixture.Url($"/board?project={projectId}"));
        var token = Node.Viewer(projectId);
        await tab.Page.EvaluateFunctionAsync("t => { document.getElementById('token').value = t; }", token);
        var navigation = tab.Page.WaitForNavigationAsync();
        await tab.Page.ClickAsync("#sign-in");
        await navigation;
        Assert.Equal($"/board?project={projectId}", new Uri(tab.Page.Url).PathAndQuery);

        // Signing out ends the session.
        await tab.Page.WaitForSelectorAsync("body[data-loaded='true']");
        var signedOut = tab.Page.WaitForNavigationAsync();
        await tab.Page.ClickAsync("#logout-form button");
        await signedOut;
        Assert.Equal("/login", new Uri(tab.Page.Url).AbsolutePath);
        Assert.DoesNotContain(await tab.Page.GetCookiesAsync(), c => c.Name == "edgesync_session");
    }

    [Fact]
    public async Task The_board_lists_every_lineage_with_its_state_and_shows_uplinks_and_operator_actions_live()
    {
        await using var scenario = await BoardScenario.CreateAsync(Node);
        await using var tab = await fixture.Browser.OpenAsync();
        await tab.SignInAsync(fixture, Node.Manager(scenario.ProjectId));
        await tab.OpenBoardAsync(fixture, $"?project={scenario.ProjectId}");

        var rows = await tab.RowsAsync();
        Assert.Equal(4, rows.Count);
        var active = rows[scenario.ActivePump.ToString()];
        Assert.Equal(["gw-north-01", "pump", "active"], active[..3]);
        Assert.Equal("3", active[BoardPage.Column.Watermark]);
        var fan = rows[scenario.ReviewFan.ToString()];
        Assert.Equal("paused", fan[BoardPage.Column.Status]);
        Assert.Equal("schema review", fan[BoardPage.Column.Reasons]);
        Assert.Equal("2", fan[BoardPage.Column.StagedRows]);
        Assert.NotEqual("–", fan[BoardPage.Column.Review]);
        Assert.Contains("backpressure", rows[scenario.BackpressureValve.ToString()][BoardPage.Column.Reasons]);
        Assert.Equal("8", rows[scenario.BackpressureValve.ToString()][BoardPage.Column.StagedRows]);
        Assert.Equal("operator", rows[scenario.OperatorPump.ToString()][BoardPage.Column.Reasons]);
        // The waiting schemas: fan and valve, with a button to approve them.
        Assert.Equal(2, await tab.Page.EvaluateExpressionAsync<int>("document.querySelectorAll('#groups tbody tr button.approve').length"));
        await tab.WaitUntilAsync("document.getElementById('live').dataset.state === 'live'");
        var shot = await ScreenshotAsync(tab, "board-states");
        if (Environment.GetEnvironmentVariable("EDGESYNC_UPDATE_DOCS_SCREENSHOT") == "1")
            File.Copy(shot, Path.Combine(Path.GetDirectoryName(HeadlessBrowser.ScreenshotDirectory)!, "..", "docs", "images", "board.png"), overwrite: true);

        // No reload from here on: a marker on the window would not survive one.
        await tab.Page.EvaluateExpressionAsync("window.__sameDocument = true");

        // A new uplink: two more fan rows are staged and the row says so.
        BoardScenario.Rows(scenario.Fans, 3, 2);
        await BoardScenario.PublishAsync(scenario.NorthMqtt, scenario.Fans);
        await tab.WaitUntilAsync(
            "id => document.querySelector(`tr[data-lineage-id='${id}'] .staged-rows`)?.textContent === '4'", scenario.ReviewFan.ToString());

        // An operator action through the API: the active pump turns paused.
        Assert.Equal(HttpStatusCode.OK, (await scenario.Api.PostAsync($"/lineages/{scenario.ActivePump}/pause", new { reason = "inspection" })).StatusCode);
        await tab.WaitUntilAsync(
            "id => document.querySelector(`tr[data-lineage-id='${id}'] .reasons`)?.textContent === 'operator'", scenario.ActivePump.ToString());

        // An operator action on the board: approving the fan's schema for the project (with the anti-forgery header).
        var fanGroup = $"#groups tbody tr[data-example-review-id='{(await scenario.Api.OpenReviewAsync(scenario.ReviewFan)).GetProperty("id").GetGuid()}']";
        await tab.Page.ClickAsync($"{fanGroup} button.approve");
        await tab.Page.ClickAsync($"{fanGroup} button.confirm");
        await tab.WaitUntilAsync(
            "id => document.querySelector(`tr[data-lineage-id='${id}'] .badge`)?.textContent === 'active'", scenario.ReviewFan.ToString());
        await tab.WaitUntilAsync("sel => !document.querySelector(sel)", fanGroup);
        Assert.True(await tab.Page.EvaluateExpressionAsync<bool>("window.__sameDocument === true"));
        await ScreenshotAsync(tab, "board-live");
    }

    [Fact]
    public async Task Filters_narrow_the_table_and_are_kept_in_the_url()
    {
        await using var scenario = await BoardScenario.CreateAsync(Node);
        await using var tab = await fixture.Browser.OpenAsync();
        await tab.SignInAsync(fixture, Node.Viewer(scenario.ProjectId));
        await tab.OpenBoardAsync(fixture, $"?project={scenario.ProjectId}");

        await tab.Page.SelectAsync("#filter-status", "paused");
        var paused = await tab.RowsAsync();
        Assert.Equal(3, paused.Count);
        Assert.DoesNotContain(scenario.ActivePump.ToString(), paused.Keys);
        Assert.Contains("status=paused", tab.Page.Url);

        await tab.Page.SelectAsync("#filter-reason", "backpressure");
        Assert.Equal([scenario.BackpressureValve.ToString()], (await tab.RowsAsync()).Keys);

        await tab.Page.SelectAsync("#filter-reason", "");
        await tab.Page.SelectAsync("#filter-status", "");
        await tab.Page.TypeAsync("#filter-device", "north");
        await tab.Page.TypeAsync("#filter-table", "pum");
        Assert.Equal([scenario.ActivePump.ToString()], (await tab.RowsAsync()).Keys);
        await ScreenshotAsync(tab, "board-filtered");

        // The URL carries the filters: opening it again shows the same narrowed table.
        var url = tab.Page.Url;
        Assert.Contains("device=north", url);
        Assert.Contains("table=pum", url);
        await tab.Page.GoToAsync(url);
        await tab.Page.WaitForSelectorAsync("body[data-loaded='true']");
        Assert.Equal("north", await tab.Page.EvaluateExpressionAsync<string>("document.getElementById('filter-device').value"));
        Assert.Equal([scenario.ActivePump.ToString()], (await tab.RowsAsync()).Keys);
    }

    [Fact]
    public async Task The_detail_of_a_lineage_shows_its_recent_events()
    {
        await using var scenario = await BoardScenario.CreateAsync(Node);
        await using var tab = await fixture.Browser.OpenAsync();
        await tab.SignInAsync(fixture, Node.Viewer(scenario.ProjectId));
        await tab.OpenBoardAsync(fixture, $"?project={scenario.ProjectId}");

        await tab.Page.ClickAsync($"tr[data-lineage-id='{scenario.BackpressureValve}']");
        await tab.Page.WaitForSelectorAsync("#events tbody tr");
        var events = await tab.Page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#events .event-type')].map(td => td.textContent)");
        Assert.Contains("lineage_created", events);
        Assert.Contains("review_queued", events);
        Assert.Contains("batch_staged", events);
        Assert.Contains("control_issued", events);
        Assert.Equal("lineage_created", events[^1]); // newest first
        Assert.Contains($"lineage={scenario.BackpressureValve}", tab.Page.Url);
        // A viewer gets no pause button.
        Assert.Null(await tab.Page.QuerySelectorAsync("#pause-lineage"));
        await ScreenshotAsync(tab, "board-detail");
    }

    [Fact]
    public async Task A_malicious_device_table_or_column_name_is_shown_as_text_and_runs_no_script()
    {
        const string table = "<img src=x onerror=\"window.__pwned='table'\">";
        const string column = "<script>window.__pwned='column'</script>";
        var device = await Fleet.RegisterDeviceAsync(Node);
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            using var source = new SqliteSource(table, $"id INTEGER PRIMARY KEY, {SqliteSource.Quote(column)} TEXT");
            source.Upsert(new Dictionary<string, object?> { ["id"] = 1, [column] = "<b>bold</b>" });
            await BoardScenario.PublishAsync(mqtt, source);
        }
        await using var tab = await fixture.Browser.OpenAsync();
        // Without the page's CSP: only the way the board renders stands between the names and a script.
        await tab.Page.SetBypassCSPAsync(true);
        await tab.SignInAsync(fixture, Node.Viewer(device.ProjectId));
        await tab.OpenBoardAsync(fixture, $"?project={device.ProjectId}");

        var row = Assert.Single(await tab.RowsAsync()).Value;
        Assert.Equal(table, row[BoardPage.Column.Table]);
        await tab.WaitUntilAsync("document.querySelectorAll('#groups tbody tr').length === 1");
        var columns = await tab.Page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#groups .column')].map(c => c.textContent)");
        Assert.Contains(column, columns);
        Assert.Equal(0, await tab.Page.EvaluateExpressionAsync<int>("document.querySelectorAll('main img, main script, main b').length"));
        Assert.Null(await tab.Page.EvaluateExpressionAsync<string?>("window.__pwned ?? null"));
        await ScreenshotAsync(tab, "board-hostile-names");

        // The pages themselves forbid inline script.
        using var http = new HttpClient();
        var login = await http.GetAsync(fixture.Url("/login"));
        var csp = string.Join(";", login.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        var board = await tab.Page.GoToAsync(fixture.Url($"/board?project={device.ProjectId}"));
        Assert.Equal(csp, board!.Headers["content-security-policy"]);
    }

    [Fact]
    public async Task The_Orleans_dashboard_is_for_platform_administrators_others_get_a_403_page()
    {
        var projectId = await Fleet.CreateProjectAsync(Node);
        await using var manager = await fixture.Browser.OpenAsync();
        await manager.SignInAsync(fixture, Node.Manager(projectId));
        var refused = await manager.Page.GoToAsync(fixture.Url("/dashboard/"));
        Assert.Equal(HttpStatusCode.Forbidden, refused!.Status);
        Assert.NotNull(await manager.Page.QuerySelectorAsync("#forbidden"));
        await ScreenshotAsync(manager, "dashboard-forbidden");

        await using var admin = await fixture.Browser.OpenAsync();
        await admin.SignInAsync(fixture, Node.Admin());
        await admin.OpenBoardAsync(fixture);
        Assert.False(await admin.Page.EvaluateExpressionAsync<bool>("document.getElementById('dashboard-link').hidden"));
        var dashboard = await admin.Page.GoToAsync(fixture.Url("/dashboard/"));
        Assert.Equal(HttpStatusCode.OK, dashboard!.Status);
        Assert.Contains("Orleans", await admin.Page.GetTitleAsync() + await admin.Page.GetContentAsync(), StringComparison.OrdinalIgnoreCase);
        await ScreenshotAsync(admin, "dashboard-admin");
    }

    [Fact]
    public async Task A_user_of_one_project_sees_neither_the_lineages_nor_the_changes_of_another()
    {
        var a = await Fleet.RegisterDeviceAsync(Node, name: "gw-a");
        var b = await Fleet.RegisterDeviceAsync(Node, name: "gw-b");
        foreach (var device in new[] { a, b })
        {
            await using var mqtt = await device.ConnectAsync(Node);
            using var source = new SqliteSource($"table_of_{device.Name}", "id INTEGER PRIMARY KEY, v TEXT");
            source.Upsert(new Dictionary<string, object?> { ["id"] = 1, ["v"] = "x" });
            await BoardScenario.PublishAsync(mqtt, source);
        }
        await using var tab = await fixture.Browser.OpenAsync();
        await tab.SignInAsync(fixture, Node.Viewer(a.ProjectId));

        // Asking for project B in the URL shows project A, the only one granted.
        await tab.OpenBoardAsync(fixture, $"?project={b.ProjectId}");
        var options = await tab.Page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#project option')].map(o => o.value)");
        Assert.Equal([a.ProjectId.ToString()], options);
        var row = Assert.Single(await tab.RowsAsync()).Value;
        Assert.Equal("table_of_gw-a", row[BoardPage.Column.Table]);
        await ScreenshotAsync(tab, "board-project-a-only");

        // And the session cannot read B's lineages or change feed directly either.
        var statuses = await tab.Page.EvaluateFunctionAsync<int[]>(
            "async urls => Promise.all(urls.map(async u => (await fetch(u, { headers: { Accept: 'application/json' } })).status))",
            (object)new[] { $"/core/api/v1/projects/{b.ProjectId}/edge/lineages", $"/board/api/projects/{b.ProjectId}/changes" });
        Assert.Equal([403, 403], statuses);
    }
}
