using EdgeSync.Cli.Api;

namespace EdgeSync.Cli.Ui;

/// <summary><c>n</c>/<c>p</c> on a paged screen.</summary>
public static class Pages
{
    /// <summary>The page <paramref name="delta"/> away from <paramref name="current"/>, or null (said on the status line) at either end.</summary>
    public static PageRequest? Step(PageRequest current, PageInfo? shown, int delta, StatusLine status)
    {
        var next = Math.Clamp(current.Page + delta, 1, Math.Max(1, shown?.TotalPages ?? 1));
        if (next != current.Page)
            return current with { Page = next };
        status.Info(delta > 0 ? "Already on the last page." : "Already on the first page.");
        return null;
    }
}
