using System.Globalization;
using EdgeSync.Bench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// The named benchmarks run their own nodes against the PostgreSQL server of EDGESYNC_PG.
var pg = Environment.GetEnvironmentVariable("EDGESYNC_PG") is { Length: > 0 } fromEnvironment ? fromEnvironment : BenchOptions.DefaultPg;
Task<int>? named = args switch
{
    ["fleet", .. var rest] => FleetApprovalBench.RunAsync(pg, rest, cancel.Token),
    ["lineages", .. var rest] => FleetMemoryBench.RunAsync(pg, rest, cancel.Token),
    ["telemetry", .. var rest] => TelemetryBench.RunAsync(pg, rest, cancel.Token),
    ["upload-rss", .. var rest] => UploadRssBench.RunAsync(pg, rest, cancel.Token),
    ["bootstrap", .. var rest] => BootstrapBench.RunAsync(pg, rest, cancel.Token),
    ["oversized", ..] => OversizedSoak.RunAsync(pg, cancel.Token),
    ["latency", .. var rest] => LatencyBench.RunAsync(pg, rest, cancel.Token),
    _ => null,
};
if (named is not null)
    return await named;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (BenchOptions.HelpRequested)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"bench: {e.Message}\n\n{BenchOptions.Usage}");
    return 2;
}

try
{
    return await new BenchRun(options, cancel.Token).RunAsync();
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("bench: cancelled");
    return 130;
}
catch (Exception e)
{
    Console.Error.WriteLine($"bench: FAILED: {e}");
    return 1;
}
