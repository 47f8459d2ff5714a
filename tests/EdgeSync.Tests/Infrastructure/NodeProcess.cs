using System.Diagnostics;
using System.Text;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// The node as an operating-system process of its own, so that a test can kill it the way a
/// crash or an OOM kill would.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private NodeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Log { get { lock (_log) return _log.ToString(); } }

    public bool HasExited => _process.HasExited;

    public sealed record Ports(int Http, int Mqtt, int Silo, int Gateway)
    {
        public static Ports Free() => new(FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
    }

    /// <summary>Starts a node process without waiting for it to become ready (for nodes expected to refuse to start).</summary>
    public static NodeProcess Launch(string connectionString, Ports ports, IDictionary<string, string>? settings = null)
    {
        var info = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "EdgeSync.Silo.dll"))
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ConnectionStrings__EdgeSync"] = connectionString;
        info.Environment["Http__Port"] = ports.Http.ToString();
        info.Environment["Mqtt__Port"] = ports.Mqtt.ToString();
        info.Environment["Mqtt__BindAddress"] = "127.0.0.1";
        info.Environment["Orleans__SiloPort"] = ports.Silo.ToString();
        info.Environment["Orleans__GatewayPort"] = ports.Gateway.ToString();
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            info.Environment[key.Replace(":", "__")] = value;

        return new NodeProcess(Process.Start(info)!);
    }

    /// <summary>Starts a node; restarting on the same silo port makes Orleans retire the crashed generation at once.</summary>
    public static async Task<NodeProcess> StartAsync(string connectionString, Ports ports, IDictionary<string, string>? settings = null)
    {
        var node = Launch(connectionString, ports, settings);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}") };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (node.HasExited)
                throw new InvalidOperationException($"node exited during start:\n{node.Log}");
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                    return node;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"node did not become ready:\n{node.Log}");
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Sends SIGTERM, as an orchestrator stopping the node does, and waits for the process to end.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
            await kill.WaitForExitAsync();
        await WaitForExitAsync(timeout);
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    private bool _disposed;

    /// <summary>Kills the process (SIGKILL) if it still runs. Safe to call again.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
