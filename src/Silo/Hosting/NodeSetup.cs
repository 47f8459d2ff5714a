using System.Net;
using EdgeSync.Api;
using EdgeSync.Api.Auth;
using EdgeSync.Fleets;
using EdgeSync.Lineages;
using EdgeSync.Registry;
using EdgeSync.Silo.Database;
using EdgeSync.Silo.Mqtt;
using EdgeSync.Silo.Observability;
using EdgeSync.Telemetry;
using EdgeSync.Uploads;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace EdgeSync.Silo.Hosting;

/// <summary>One EdgeSync node: Orleans silo, HTTP API, dashboard and MQTT gateway in one process.</summary>
public static class NodeSetup
{
    private const string AdoNetInvariant = "Npgsql";

    public static async Task<WebApplicationBuilder> AddEdgeSyncNodeAsync(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var connectionString = configuration.GetConnectionString("EdgeSync")
            ?? throw new InvalidOperationException("ConnectionStrings:EdgeSync is not configured.");
        var orleans = configuration.GetSection("Orleans").Get<OrleansNodeOptions>() ?? new OrleansNodeOptions();
        var httpPort = configuration.GetValue("Http:Port", 5080);
        var connections = new ConnectionBudget(configuration.GetValue("Database:MaxConnections", ConnectionBudget.Default));
        var applyMigrations = configuration.GetValue("Database:ApplyMigrations", true);
        var storeSchema = configuration.GetValue("Store:Schema", EdgeStore.DefaultSchema)!;

        using (var loggerFactory = LoggerFactory.Create(logging => logging.AddConsole()))
        {
            var logger = loggerFactory.CreateLogger("EdgeSync.Startup");
            // Through Orleans' pool: the connections these leave idle count against the budget.
            await DatabaseReadiness.WaitAsync(connections.ForOrleans(connectionString), logger, TimeSpan.FromMinutes(2));
            // Deployment: a node whose role has no DDL rights applies nothing and checks that the
            // migrate command did (docs/deployment.md).
            if (applyMigrations)
                await OrleansSchema.ApplyAsync(connections.ForOrleans(connectionString));
            else
                await SchemaMigrations.EnsureCurrentAsync(connections.ForOrleans(connectionString), storeSchema);
        }

        // Logging:Console:FormatterName=json switches to JSON lines; otherwise the escaping text format.
        builder.Logging.AddConsole(o => o.FormatterName ??= EscapingConsoleFormatter.FormatterName)
            .AddConsoleFormatter<EscapingConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
        builder.WebHost.UseUrls($"http://0.0.0.0:{httpPort}");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddEdgeSyncStore(connections.ForStore(connectionString), storeSchema, applyMigrations: applyMigrations);
        builder.Services.AddEdgeSyncApi(configuration);
        builder.Services.AddSingleton<IDevicePresence, ClusterPresence>();
        builder.Services.Configure<MqttOptions>(configuration.GetSection("Mqtt"));
        builder.Services.Configure<LineageOptions>(configuration.GetSection("Lineages"));
        builder.Services.Configure<FleetOptions>(configuration.GetSection("Fleets"));
        builder.Services.AddOptions<UploadOptions>().Bind(configuration.GetSection(UploadOptions.Section))
            // Devices reach this node's own HTTP address unless a gateway's is configured.
            .PostConfigure(o => o.PublicBaseUrl ??= $"http://{orleans.AdvertisedAddress}:{httpPort}")
            .Validate(o => o.Problem() is null, "The Uploads options are invalid: see Uploads:* in the documentation.")
            .ValidateOnStart();
        builder.Services.AddMqttGateway(configuration);
        builder.Services.AddSingleton<LineageMetrics>();
        builder.Services.AddSingleton<RegistryFanOut>();
        builder.Services.AddHostedService<LineageViewBackfill>();
        builder.Services.AddHostedService<ReplayWatchdog>();
        builder.Services.AddHostedService<TombstonePruning>();
        var ownMeters = new NodeMeters();
        builder.Services.AddSingleton(ownMeters);
        builder.Services.AddEdgeSyncObservability(configuration, ownMeters);
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<ClusterHealthCheck>("cluster", tags: ["ready"]);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = orleans.ClusterId;
                o.ServiceId = orleans.ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(orleans.AdvertisedAddress), orleans.SiloPort, orleans.GatewayPort, listenOnAnyHostAddress: true);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = AdoNetInvariant;
                o.ConnectionString = connections.ForOrleans(connectionString);
            });
            silo.AddAdoNetGrainStorage("lineages", o =>
            {
                o.Invariant = AdoNetInvariant;
                o.ConnectionString = connections.ForOrleans(connectionString);
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = AdoNetInvariant;
                o.ConnectionString = connections.ForOrleans(connectionString);
            });
            silo.AddDashboard();
            // A grain call continues the caller's trace (an uplink's, a request's); spans are made only while someone listens.
            silo.AddActivityPropagation();
        });
        return builder;
    }

    public static WebApplication MapEdgeSyncNode(this WebApplication app)
    {
        app.UseEdgeSyncApi();
        app.MapEdgeSyncApi();
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics");
        // It shows every tenant's grains and a live log stream: platform administrators only.
        // Browsers reach it through the board's sign-in; an operational route, not in the OpenAPI document.
        app.MapOrleansDashboard(routePrefix: "/dashboard").RequirePlatformAdmin().ExcludeFromDescription();
        return app;
    }
}
