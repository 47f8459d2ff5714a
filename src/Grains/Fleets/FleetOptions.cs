namespace EdgeSync.Fleets;

/// <summary>Tuning of fleet decisions (configuration section <c>Fleets</c>).</summary>
public sealed class FleetOptions
{
    /// <summary>
    /// Lineages a fan-out approves at once. Each approval is a short transaction of its own
    /// (provisioning, events, views); 16 keeps a 2-core database busy without queueing on the
    /// connection pool. Lower it to spread a large fleet's approval over more time.
    /// </summary>
    public int FanOutParallelism { get; set; } = 16;

    /// <summary>
    /// A fan-out still running this long after its decision was recorded is taken over by the
    /// registry's reminder (which ticks every minute): its node is presumed gone.
    /// </summary>
    public TimeSpan FanOutTakeoverAfter { get; set; } = TimeSpan.FromSeconds(30);
}
