namespace EdgeSync.Silo.Commands;

/// <summary>
/// <c>EdgeSync.Silo healthcheck [live|ready]</c>: asks this node's own health endpoint, for a
/// container's health check (the runtime image has no curl). Exit code 0 when healthy, 1 when
/// not or unreachable, 2 on bad usage.
/// </summary>
public static class HealthcheckCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration)
    {
        var probe = args.Length > 1 ? args[1] : "ready";
        if (args.Length > 2 || probe is not ("live" or "ready"))
        {
            await Console.Error.WriteLineAsync("usage: healthcheck [live|ready]   (default: ready)");
            return 2;
        }
        var url = $"http://127.0.0.1:{configuration.GetValue("Http:Port", 5080)}/health/{probe}";
        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(url);
            await Console.Out.WriteLineAsync($"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Out.WriteLineAsync($"{url}: {e.Message}");
            return 1;
        }
    }
}
