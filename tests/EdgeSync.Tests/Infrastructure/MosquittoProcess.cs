using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// A Mosquitto child process of a test: started on a config in its own temporary folder, its
/// stderr kept in <see cref="Log"/>, ready once its port takes connections; disposing it kills it
/// and deletes the folder. Needs the Debian package <c>mosquitto</c> (scripts/test.sh installs it).
/// </summary>
public sealed class MosquittoProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private MosquittoProcess(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public string Directory { get; }
    public int Port { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    public static string? Executable() =>
        new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists);

    /// <summary>A temporary folder for a broker's files, and a free port for it.</summary>
    public static (string Directory, int Port) Prepare(string prefix) =>
        (System.IO.Directory.CreateTempSubdirectory(prefix).FullName, FreePort.Next());

    /// <summary>Starts Mosquitto on <paramref name="config"/> (written by the caller into <paramref name="directory"/>) and waits for <paramref name="port"/>.</summary>
    public static async Task<MosquittoProcess> StartAsync(string directory, int port, string config)
    {
        var executable = Executable() ?? throw new InvalidOperationException(
            "the Mosquitto broker is not installed: run 'apt-get install -y mosquitto' (scripts/test.sh installs it)");
        var path = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(path, config);
        var broker = new MosquittoProcess(
            Process.Start(new ProcessStartInfo(executable, ["-c", path]) { RedirectStandardError = true, RedirectStandardOutput = true })!, directory, port);
        try
        {
            await broker.WaitForPortAsync();
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    private async Task WaitForPortAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}: {Log}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
