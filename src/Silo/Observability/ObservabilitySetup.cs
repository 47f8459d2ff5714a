using EdgeSync.Lineages;
using EdgeSync.Silo.Mqtt;
using EdgeSync.Telemetry;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;

namespace EdgeSync.Silo.Observability;

/// <summary>
/// Metrics, traces and the OTLP export of one node, under the resource <c>service.name=edgesync</c>
/// and <c>service.instance.id</c> = the node's name. See docs/observability.md.
/// </summary>
public static class ObservabilitySetup
{
    public const string ServiceName = "edgesync";

    /// <summary>Orleans' meter: grain calls, activations, messaging, membership.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    private static readonly string[] OtlpEndpointSettings = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

    /// <summary>The node's name: <c>Node:Name</c> (the cluster script's node-1, node-2, …), else the host name.</summary>
    public static string NodeName(IConfiguration configuration) =>
        configuration["Node:Name"] is { Length: > 0 } name ? name : Environment.MachineName;

    /// <summary>Whether an OTLP collector is configured (the standard OpenTelemetry environment variables).</summary>
    public static bool ExportsOverOtlp(IConfiguration configuration) =>
        OtlpEndpointSettings.Any(setting => !string.IsNullOrWhiteSpace(configuration[setting]));

    public static IServiceCollection AddEdgeSyncObservability(this IServiceCollection services, IConfiguration configuration, NodeMeters ownMeters)
    {
        var otlp = ExportsOverOtlp(configuration);
        services.AddSingleton<GovernanceGauges>();
        services.AddHostedService(sp => sp.GetRequiredService<GovernanceGauges>());
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceInstanceId: NodeName(configuration), autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(IngestMetrics.MeterName, LineageMetrics.MeterName, GovernanceGauges.MeterName, OrleansMeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    // Where one process hosts several nodes (the tests), each exports its own EdgeSync instruments only.
                    .AddView(instrument => ownMeters.IsForeign(instrument) ? MetricStreamConfiguration.Drop : null)
                    .AddPrometheusExporter();
                if (otlp)
                    metrics.AddOtlpExporter();
            });
        // Spans cost only when someone listens: without a collector the node builds no tracer, and
        // its activity sources stay without listeners.
        if (otlp)
            telemetry.WithTracing(tracing => AddEdgeSyncSources(tracing).AddOtlpExporter());
        return services;
    }

    /// <summary>The spans of a trace: EdgeSync's own, Orleans grain calls, ASP.NET Core requests and Npgsql statements.</summary>
    public static TracerProviderBuilder AddEdgeSyncSources(TracerProviderBuilder tracing) => tracing
        .AddSource(UplinkSpans.SourceName, LineageTraces.SourceName, ActivitySources.ApplicationGrainActivitySourceName)
        .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsOperational(context.Request.Path))
        .AddNpgsql();

    /// <summary>Scrapes and probes: a span each would drown the traces that matter.</summary>
    private static bool IsOperational(PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health");
}
