using System.Diagnostics;
using Npgsql;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of a test's own, so that the test can stop and start it without
/// disturbing the server every other test shares.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dataDir;

    public int Port { get; } = FreePort.Next();

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Database=edgesync;Username=postgres;Timeout=5;Command Timeout=15";

    private PrivatePostgres(string bin, string dataDir)
    {
        _bin = bin;
        _dataDir = dataDir;
    }

    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().First();
        var dataDir = Path.Combine("/tmp", $"edgesync-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDir);
        await RunAsync("chown", $"postgres:postgres {dataDir}");
        var postgres = new PrivatePostgres(bin, dataDir);
        await postgres.AsPostgresAsync("initdb", $"-D {dataDir} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8");
        await postgres.StartServerAsync();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={postgres.Port};Database=postgres;Username=postgres");
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE edgesync", connection);
        await create.ExecuteNonQueryAsync();
        return postgres;
    }

    public Task StartServerAsync() => AsPostgresAsync("pg_ctl",
        $"-D {_dataDir} -l {_dataDir}/server.log -w -t 30 -o \"-p {Port} -c listen_addresses=127.0.0.1 -k {_dataDir} -c fsync=off\" start");

    public Task StopServerAsync() => AsPostgresAsync("pg_ctl", $"-D {_dataDir} -m immediate -w stop");

    public async ValueTask DisposeAsync()
    {
        try { await StopServerAsync(); } catch (InvalidOperationException) { /* already stopped */ }
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task AsPostgresAsync(string tool, string arguments) =>
        RunAsync("runuser", $"-u postgres -- {Path.Combine(_bin, tool)} {arguments}");

    private static async Task RunAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {await output}{await error}");
    }
}
