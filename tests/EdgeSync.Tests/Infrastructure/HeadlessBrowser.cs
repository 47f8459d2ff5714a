using PuppeteerSharp;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// Debian's chromium, headless, driven over the DevTools protocol (no browser download). Each
/// test opens its own browser context, so cookies never leak from one test to another.
/// <c>EDGESYNC_CHROMIUM</c> names another executable.
/// </summary>
public sealed class HeadlessBrowser : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
    private readonly IBrowser _browser;

    private HeadlessBrowser(IBrowser browser) => _browser = browser;

    public static async Task<HeadlessBrowser> LaunchAsync()
    {
        var path = Environment.GetEnvironmentVariable("EDGESYNC_CHROMIUM") is { Length: > 0 } configured
            ? configured
            : Candidates.FirstOrDefault(File.Exists)
              ?? throw new InvalidOperationException("chromium is not installed (scripts/test.sh installs Debian's chromium; or set EDGESYNC_CHROMIUM).");
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            Headless = true,
            ExecutablePath = path,
            // --no-sandbox: the tests may run as root, where chromium's sandbox refuses to start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-extensions"],
            DefaultViewport = new ViewPortOptions { Width = 1280, Height = 800 },
            Timeout = 60_000,
        });
        return new HeadlessBrowser(browser);
    }

    /// <summary>A page in a fresh context of its own (no cookies, no storage).</summary>
    public async Task<BrowserTab> OpenAsync()
    {
        var context = await _browser.CreateBrowserContextAsync();
        var page = await context.NewPageAsync();
        page.DefaultTimeout = 20_000;
        return new BrowserTab(context, page);
    }

    /// <summary>Where screenshots go: <c>TestResults/screenshots</c> at the repository root.</summary>
    public static string ScreenshotDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "EdgeSync.sln")))
                    return Directory.CreateDirectory(Path.Combine(dir.FullName, "TestResults", "screenshots")).FullName;
            return Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _browser.Dispose();
    }
}

/// <summary>One page in its own browser context.</summary>
public sealed class BrowserTab(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page => page;

    /// <summary>Saves a full-page screenshot under <see cref="HeadlessBrowser.ScreenshotDirectory"/> and answers its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(HeadlessBrowser.ScreenshotDirectory, $"{name}.png");
        await page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await context.CloseAsync();
    }
}
