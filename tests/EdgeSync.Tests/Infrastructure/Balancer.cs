using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>The local cluster's load balancer (scripts/balancer.sh, HAProxy) in front of some nodes, in a folder of its own.</summary>
public sealed class Balancer : IAsyncDisposable
{
    private readonly string _dir;

    private Balancer(string dir)
    {
        _dir = dir;
    }

    /// <summary>The HTTP API's port.</summary>
    public int Port { get; } = FreePort.Next();

    /// <summary>The port of device connections (TCP, to the nodes' embedded brokers).</summary>
    public int MqttPort { get; } = FreePort.Next();

    public static async Task<Balancer> StartAsync(params NodeProcess.Ports[] nodes)
    {
        var balancer = new Balancer(Path.Combine(Path.GetTempPath(), $"edgesync-lb-{Guid.NewGuid():N}"));
        var (code, output) = await ScriptAsync(
        [
            "start", balancer._dir,
            "--http", balancer.Port.ToString(), .. nodes.Select(n => $"127.0.0.1:{n.Http}"),
            "--mqtt", balancer.MqttPort.ToString(), .. nodes.Select(n => $"127.0.0.1:{n.Mqtt}"),
        ]);
        if (code != 0)
            throw new InvalidOperationException($"balancer.sh start failed ({code}): {output}");
        return balancer;
    }

    /// <summary>
    /// Requests (<c>nodes</c>, HTTP) or connections (<c>brokers</c>, MQTT) each node was sent so far,
    /// by server name (node-1, node-2, …), from HAProxy's statistics.
    /// </summary>
    public async Task<Dictionary<string, long>> RequestsByNodeAsync(string backend = "nodes")
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(_dir, "haproxy.sock")));
        await socket.SendAsync(Encoding.ASCII.GetBytes("show stat\n"));
        var text = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        return lines.Skip(1).Select(l => l.Split(','))
            .Where(f => f.Length > 2 && f[Column("pxname")] == backend && f[Column("svname")].StartsWith("node-", StringComparison.Ordinal))
            .ToDictionary(f => f[Column("svname")], f => long.Parse(f[Column("stot")]));
    }

    public async ValueTask DisposeAsync()
    {
        await ScriptAsync(["stop", _dir]);
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<(int Code, string Output)> ScriptAsync(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "scripts", "balancer.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeSync.sln")))
                return dir.FullName;
        throw new InvalidOperationException("EdgeSync.sln not found above the test assembly");
    }
}
