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
    /// <summary>Every meter EdgeSync creates is named so: another node's are told apart by this prefix.</summary>
    public const string Prefix = "EdgeSync.";

    public Meter Add(Meter meter)
    {
        _meters[meter] = true;
        return meter;
    }

    public bool Exports(Instrument instrument) => _meters.ContainsKey(instrument.Meter);

    /// <summary>
    /// An EdgeSync instrument that another node in the same process created: not exported. Meters
    /// of libraries (Orleans, ASP.NET Core, the runtime, Npgsql) are never foreign: they belong to
    /// the process.
    /// </summary>
    public bool IsForeign(Instrument instrument) =>
        instrument.Meter.Name.StartsWith(Prefix, StringComparison.Ordinal) && !Exports(instrument);
}
