using EdgeSync.Tests.Infrastructure;
using PuppeteerSharp;

namespace EdgeSync.Tests.Board;

/// <summary>What a person does on the login page and the board, as browser steps.</summary>
public static class BoardPage
{
    /// <summary>Opens the login page, pastes the token and signs in; answers the page the browser lands on.</summary>
    public static async Task<IResponse?> SignInAsync(this BrowserTab tab, BoardFixture fixture, string token, string path = "/login")
    {
        var page = tab.Page;
        await page.GoToAsync(fixture.Url(path));
        // The value is set through DevTools, as a paste would: typing a long JWT key by key is slow.
        await page.EvaluateFunctionAsync("t => { document.getElementById('token').value = t; }", token);
        var navigation = page.WaitForNavigationAsync();
        await page.ClickAsync("#sign-in");
        return await navigation;
    }

    /// <summary>Opens the board (optionally with a query) and waits until it has loaded its lineages.</summary>
    public static async Task OpenBoardAsync(this BrowserTab tab, BoardFixture fixture, string query = "")
    {
        await tab.Page.GoToAsync(fixture.Url($"/board{query}"));
        await tab.Page.WaitForSelectorAsync("body[data-loaded='true']");
    }

    /// <summary>The rows of the lineage table: lineage id → the text of each cell.</summary>
    public static async Task<Dictionary<string, string[]>> RowsAsync(this BrowserTab tab)
    {
        var rows = await tab.Page.EvaluateExpressionAsync<string[][]>(
            "[...document.querySelectorAll('#lineages tbody tr')].map(tr => [tr.dataset.lineageId, ...[...tr.cells].map(td => td.textContent)])");
        return rows.ToDictionary(r => r[0], r => r[1..]);
    }

    /// <summary>Waits until the page's JavaScript condition holds (the browser polls it; no fixed sleep).</summary>
    public static Task WaitUntilAsync(this BrowserTab tab, string condition, params object[] args) =>
        args.Length == 0
            ? tab.Page.WaitForExpressionAsync(condition, new WaitForFunctionOptions { Timeout = 20_000, PollingInterval = 100 })
            : tab.Page.WaitForFunctionAsync(condition, new WaitForFunctionOptions { Timeout = 20_000, PollingInterval = 100 }, args);

    public static class Column
    {
        public const int Device = 0, Table = 1, Status = 2, Reasons = 3, StagedRows = 4, StagedBytes = 5, Watermark = 6, LastError = 7, Review = 8;
    }
}
