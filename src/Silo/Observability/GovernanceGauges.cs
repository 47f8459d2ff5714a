using System.Diagnostics.Metrics;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using EdgeSync.Telemetry;
using Npgsql;

namespace EdgeSync.Silo.Observability;

/// <summary>
/// Governance and flow gauges (meter <c>EdgeSync.Governance</c>) for the whole cluster. A scrape
/// only reads the figures in memory; one loop per node refreshes them every
/// <c>Metrics:GovernanceRefresh</c> (15 s) with <see cref="GovernanceFigures.ReadAsync"/>, so
/// the database sees one small aggregate per node and interval however often it is scraped.
/// Every node reports the same cluster-wide figures: aggregate them with max, not sum.
/// </summary>
public sealed class GovernanceGauges : BackgroundService
{
    public const string MeterName = "EdgeSync.Governance";

    private static readonly string[] Statuses = Enum.GetValues<LineageStatus>().Select(EnumNames.Of).ToArray();
    private static readonly string[] Reasons = Enum.GetValues<PauseReason>().Select(EnumNames.Of).ToArray();

    private readonly NpgsqlDataSource _dataSource;
    private readonly EdgeStoreSettings _settings;
    private readonly TimeSpan _refresh;
    private readonly TimeProvider _clock;
    private readonly ILogger<GovernanceGauges> _logger;
    private volatile GovernanceFigures _figures = GovernanceFigures.None;

    public GovernanceGauges(
        IMeterFactory meters, NodeMeters own, NpgsqlDataSource dataSource, EdgeStoreSettings settings, IConfiguration configuration,
        TimeProvider clock, ILogger<GovernanceGauges> logger)
    {
        _dataSource = dataSource;
        _settings = settings;
        _refresh = configuration.GetValue("Metrics:GovernanceRefresh", TimeSpan.FromSeconds(15));
        _clock = clock;
        _logger = logger;
        var meter = own.Add(meters.Create(MeterName));
        meter.CreateObservableGauge("edgesync.lineages", () => Statuses.Select(status =>
            new Measurement<long>(_figures.LineagesByStatus.GetValueOrDefault(status), new KeyValuePair<string, object?>("status", status))),
            unit: "{lineage}", description: "Lineages by status (active, paused)");
        meter.CreateObservableGauge("edgesync.lineages.paused", () => Reasons.Select(reason =>
            new Measurement<long>(_figures.PausedByReason.GetValueOrDefault(reason), new KeyValuePair<string, object?>("reason", reason))),
            unit: "{lineage}", description: "Paused lineages by pause reason; a lineage paused for two reasons counts under both");
        meter.CreateObservableGauge("edgesync.circuit_breakers.tripped", () => _figures.PausedByReason.GetValueOrDefault(EnumNames.Of(PauseReason.CircuitBreaker)),
            unit: "{lineage}", description: "Lineages whose circuit breaker tripped and waits for an operator's reset");
        meter.CreateObservableGauge("edgesync.reviews.open", () => _figures.OpenReviews,
            unit: "{review}", description: "Lineages with an open schema review");
        meter.CreateObservableGauge("edgesync.staged.rows", () => _figures.StagedRows,
            unit: "{row}", description: "Rows staged and not yet written to their mirror");
        meter.CreateObservableGauge("edgesync.staged.bytes", () => _figures.StagedBytes,
            unit: "By", description: "Bytes of the staged rows");
        meter.CreateObservableGauge("edgesync.quarantined.rows", () => _figures.QuarantinedRows,
            unit: "{row}", description: "Rows held in the quarantine");
        meter.CreateObservableGauge("edgesync.controls.pending", () => _figures.PendingControls,
            unit: "{control}", description: "Downlink controls waiting for the device's acknowledgement");
        meter.CreateObservableGauge("edgesync.replays.active", () => _figures.ReplaysActive,
            unit: "{replay}", description: "Replays running or failed and retrying");
        meter.CreateObservableGauge("edgesync.replays.backlog_rows", () => _figures.ReplayBacklogRows,
            unit: "{row}", description: "Rows the active replays had to write when they started");
        meter.CreateObservableGauge("edgesync.replays.rows_replayed", () => _figures.ReplayRowsReplayed,
            unit: "{row}", description: "Rows the active replays have written so far");
    }

    /// <summary>The figures the gauges show now.</summary>
    public GovernanceFigures Current => _figures;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_refresh, _clock);
        do
        {
            try
            {
                _figures = await GovernanceFigures.ReadAsync(_dataSource, _settings, stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The last figures stay; a database outage shows in the health checks, not here.
                _logger.LogDebug(e, "Could not refresh the governance gauges");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
