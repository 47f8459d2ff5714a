using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeSync.Tests.Observability;

/// <summary>
/// Listens, as an OpenTelemetry tracer would, to the activity sources a node's traces are made of
/// (EdgeSync's, Orleans', Npgsql's, ASP.NET Core's) and keeps every span that ends while it lives.
/// Other tests' nodes run in this process too: look spans up by trace id.
/// </summary>
public sealed class RecordedSpans : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public RecordedSpans()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("EdgeSync.", StringComparison.Ordinal)
                || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)
                || source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> All => _stopped.ToArray();

    public IReadOnlyList<Activity> OfTrace(ActivityTraceId traceId) => _stopped.Where(a => a.TraceId == traceId).ToArray();

    public void Dispose() => _listener.Dispose();
}
