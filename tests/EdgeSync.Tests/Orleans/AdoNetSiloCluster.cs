using System.Net;
using System.Net.Sockets;
using EdgeSync.Silo.Database;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;

namespace EdgeSync.Tests.OrleansAdoNet;

/// <summary>
/// A real two-silo Orleans cluster on a fresh PostgreSQL database whose Orleans tables come
/// only from <see cref="OrleansSchema"/>: ADO.NET clustering, grain storage and reminders.
/// </summary>
public sealed class AdoNetSiloCluster : IAsyncLifetime
{
    public const string Invariant = "Npgsql";
    public const string StorageName = "adonet-probe";
    public const string DeletingStorageName = "adonet-probe-delete";
    public const string ClusterId = "edgesync-adonet-test";
    public const string ServiceId = "edgesync-adonet-test-svc";

    private readonly List<IHost> _hosts = [];

    public string ConnectionString { get; private set; } = "";
    public IHost SiloA { get; private set; } = null!;
    public IHost SiloB { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync("orl");

        // Applied twice on purpose: the migration runs at every start, so it must be idempotent.
        await OrleansSchema.ApplyAsync(ConnectionString);
        await OrleansSchema.ApplyAsync(ConnectionString);

        SiloA = await StartSiloAsync("silo-a");
        SiloB = await StartSiloAsync("silo-b");
    }

    public async Task DisposeAsync()
    {
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await StopQuietlyAsync(_hosts[i]);
        }

        _hosts.Clear();
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Starts a silo of this cluster; it is stopped when the fixture is disposed.</summary>
    public async Task<IHost> StartSiloAsync(string siloName)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var connectionString = ConnectionString;
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = siloName);
            silo.ConfigureEndpoints(IPAddress.Loopback, FreeTcpPort(), FreeTcpPort());
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(StorageName, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(DeletingStorageName, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
                o.DeleteStateOnClear = true;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            // Default minimum period is one minute; one second keeps the reminder test fast.
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });

        var host = builder.Build();
        await host.StartAsync();
        _hosts.Add(host);
        return host;
    }

    /// <summary>An external Orleans client that finds gateways through the ADO.NET membership table.</summary>
    public async Task<IHost> StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var connectionString = ConnectionString;
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
        });

        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static IGrainFactory Grains(IHost host) => host.Services.GetRequiredService<IGrainFactory>();

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default! : (T)Convert.ChangeType(result, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));
    }

    public static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await host.StopAsync(timeout.Token);
        }
        catch (Exception)
        {
            // Shutdown problems are not what these tests are about.
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                host.Dispose();
            }
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
