using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeSync.Bench;

/// <summary>The EdgeSync node under test: <c>dotnet EdgeSync.Silo.dll</c> as a child process.</summary>
public sealed class Node : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    public int HttpPort { get; }
    public int MqttPort { get; }
    public int Pid => _process.Id;

    private Node(Process process, int httpPort, int mqttPort)
    {
        _process = process;
        HttpPort = httpPort;
        MqttPort = mqttPort;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 200)
                _tail.Dequeue();
        }
    }

    /// <summary>The last lines the node wrote (warnings and errors only: it runs with Default=Warning).</summary>
    public string Log { get { lock (_tail) return string.Join('\n', _tail); } }

    public static async Task<Node> StartAsync(string siloDll, string connectionString, TimeSpan timeout)
    {
        int http = FreePort(), mqtt = FreePort(), silo = FreePort(), gateway = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(siloDll)!, // content root: the build output's appsettings.json
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(siloDll);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // Production settings, but the bench signs its operator token with the development key.
        info.Environment["Auth__AllowDevelopmentKey"] = "true";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["ConnectionStrings__EdgeSync"] = connectionString;
        info.Environment["Http__Port"] = http.ToString();
        info.Environment["Mqtt__Port"] = mqtt.ToString();
        info.Environment["Mqtt__BindAddress"] = "127.0.0.1";
        info.Environment["Orleans__SiloPort"] = silo.ToString();
        info.Environment["Orleans__GatewayPort"] = gateway.ToString();

        var node = new Node(Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"), http, mqtt);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (node._process.HasExited)
                throw new InvalidOperationException($"the node exited during start (code {node._process.ExitCode}):\n{node.Log}");
            try
            {
                if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode)
                    return node;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        await node.DisposeAsync();
        throw new TimeoutException($"the node was not ready within {timeout.TotalSeconds:0} s:\n{node.Log}");
    }

    public bool HasExited => _process.HasExited;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException) { }
        _process.Dispose();
    }
}
