using System.Net;
using System.Net.Http.Headers;
using EdgeSync.Api.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSync.Tests.Infrastructure;

/// <summary>
/// A whole EdgeSync node (silo, API, embedded broker) on a fresh PostgreSQL database. HTTP goes
/// through the in-memory test server; MQTT is a real TCP listener on <see cref="MqttPort"/>.
/// </summary>
public sealed class NodeFixture : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _factory;

    /// <summary>The database; a fresh one is created unless a test sets it before starting.</summary>
    public string ConnectionString { get; set; } = "";
    public int MqttPort { get; } = FreePort.Next();
    public string ClusterId { get; } = $"test-{Guid.NewGuid():N}"[..20];

    /// <summary>Settings applied on top of appsettings.json; tests may add before InitializeAsync.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>Serve HTTP on a real TCP port (<see cref="HttpAddress"/>) for clients in other processes, such as the CLI.</summary>
    public bool ServeHttpOverTcp { get; init; }

    /// <summary>With <see cref="ServeHttpOverTcp"/>: where the API listens, e.g. http://127.0.0.1:40123.</summary>
    public string HttpAddress { get; private set; } = "";

    public WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("not started");

    public IServiceProvider Services => Factory.Services;

    public async Task InitializeAsync()
    {
        if (ConnectionString == "")
            ConnectionString = await TestDatabase.CreateAsync();
        if (ServeHttpOverTcp)
        {
            var httpPort = FreePort.Next();
            Settings["Http:Port"] = httpPort.ToString();
            _factory = Start(ConnectionString, MqttPort, ClusterId, Settings);
            // Loopback explicitly: the node's own 0.0.0.0 binding is not an address a client can dial.
            _factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, httpPort));
            _factory.StartServer();
            HttpAddress = $"http://127.0.0.1:{httpPort}";
            return;
        }
        _factory = Start(ConnectionString, MqttPort, ClusterId, Settings);
        // Building the server runs the host's startup (schema, silo, broker).
        _ = _factory.Server;
    }

    /// <summary>Another node of the same cluster and database, as a second silo would be; <paramref name="overrides"/> change some of its settings.</summary>
    public WebApplicationFactory<Program> StartPeer(int mqttPort, IReadOnlyDictionary<string, string?>? overrides = null) =>
        Start(ConnectionString, mqttPort, ClusterId, overrides is null ? Settings : Settings.Concat(overrides).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Last().Value));

    private static WebApplicationFactory<Program> Start(string connectionString, int mqttPort, string clusterId, IReadOnlyDictionary<string, string?> extra)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            web.UseSetting("ConnectionStrings:EdgeSync", connectionString);
            web.UseSetting("Mqtt:Port", mqttPort.ToString());
            web.UseSetting("Mqtt:BindAddress", "127.0.0.1");
            web.UseSetting("Orleans:ClusterId", clusterId);
            web.UseSetting("Lineages:PolicyFreshness", "00:00:00");
            web.UseSetting("Lineages:ReplayRetryInterval", "00:00:00.300");
            web.UseSetting("Mqtt:ControlResendInterval", "00:00:02");
            web.UseSetting("Mqtt:CredentialCheckInterval", "00:00:00.500");
            web.UseSetting("Orleans:SiloPort", FreePort.Next().ToString());
            web.UseSetting("Orleans:GatewayPort", FreePort.Next().ToString());
            foreach (var (key, value) in extra)
                web.UseSetting(key, value);
        });
        return factory;
    }

    public string MintToken(params string[] permissions) =>
        DevTokens.Mint(Services.GetRequiredService<IConfiguration>(), permissions);

    public HttpClient CreateClient(params string[] permissions)
    {
        var client = Factory.CreateClient();
        if (permissions.Length > 0)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MintToken(permissions));
        return client;
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class NodeCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "node";
}
