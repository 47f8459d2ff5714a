using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EdgeSync.Telemetry;

/// <summary>
/// The meters this node created. OpenTelemetry matches meters by name across the whole process, so
/// where one process hosts several nodes (the test suite does) another node's instrument of the same
/// name would be exported in place of this node's own; the exporter keeps to these.
/// </summary>
public sealed class NodeMeters
{
    private readonly ConcurrentDictionary<Meter, bool> _meters = new();

    public Meter Add(Meter meter)
    {
        _meters[meter] = true;
        return meter;
    }

    public bool Exports(Instrument instrument) => _meters.ContainsKey(instrument.Meter);
}
