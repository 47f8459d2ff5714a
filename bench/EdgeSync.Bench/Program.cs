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

if (args is ["fleet", .. var fleetArgs])
    return await FleetApprovalBench.RunAsync(Environment.GetEnvironmentVariable("EDGESYNC_PG") is { Length: > 0 } fleetPg ? fleetPg : BenchOptions.DefaultPg, fleetArgs, cancel.Token);
if (args is ["lineages", .. var memoryArgs])
    return await FleetMemoryBench.RunAsync(Environment.GetEnvironmentVariable("EDGESYNC_PG") is { Length: > 0 } memoryPg ? memoryPg : BenchOptions.DefaultPg, memoryArgs, cancel.Token);
if (args is ["telemetry", .. var telemetryArgs])
    return await TelemetryBench.RunAsync(Environment.GetEnvironmentVariable("EDGESYNC_PG") is { Length: > 0 } telemetryPg ? telemetryPg : BenchOptions.DefaultPg, telemetryArgs, cancel.Token);
if (args is ["upload-rss", .. var uploadArgs])
    return await UploadRssBench.RunAsync(Environment.GetEnvironmentVariable("EDGESYNC_PG") is { Length: > 0 } uploadPg ? uploadPg : BenchOptions.DefaultPg, uploadArgs, cancel.Token);
if (args is ["bootstrap", .. var bootstrapArgs])
    return await BootstrapBench.RunAsync(Environment.GetEnvironmentVariable("EDGESYNC_PG") is { Length: > 0 } bootstrapPg ? bootstrapPg : BenchOptions.DefaultPg, bootstrapArgs, cancel.Token);
if (args is ["oversized", ..])
    return await OversizedSoak.RunAsync(Environment.GetEnvironmentVariable("EDGESYNC_PG") is { Length: > 0 } pg ? pg : BenchOptions.DefaultPg, cancel.Token);

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
