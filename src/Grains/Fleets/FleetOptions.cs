namespace EdgeSync.Fleets;

/// <summary>Tuning of fleet decisions (configuration section <c>Fleets</c>).</summary>
public sealed class FleetOptions
{
    /// <summary>
    /// Lineages a fan-out approves at once, each in a short transaction of its own (provisioning,
    /// events, view). Measured with 1,000 lineages on the 2-core machine (bench fleet, coalesced):
    /// 4 in flight 4.8 s, 16 5.3 s, 32 4.2 s; the two cores are the limit there, and 16 leaves room
    /// for a larger database server. Lower it to spread a large fleet's approval over more time.
    /// </summary>
    public int FanOutParallelism { get; set; } = 16;

    /// <summary>
    /// A fan-out still running this long after its decision was recorded is taken over by the
    /// registry's reminder (which ticks every minute): its node is presumed gone.
    /// </summary>
    public TimeSpan FanOutTakeoverAfter { get; set; } = TimeSpan.FromSeconds(30);
}
