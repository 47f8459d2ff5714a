namespace EdgeSync.Lineages;

/// <summary>Tuning of lineage grains (configuration section <c>Lineages</c>).</summary>
public sealed class LineageOptions
{
    /// <summary>How long a grain keeps using the project policy it read; a PATCH takes effect after at most this long.</summary>
    public TimeSpan PolicyFreshness { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Staged rows drained per replay transaction.</summary>
    public int ReplayChunkRows { get; set; } = 2000;

    /// <summary>
    /// Wait before a replay that failed permanently tries again; every failed try counts towards
    /// the circuit breaker. The replay reminder (every minute) is the backstop after a restart.
    /// </summary>
    public TimeSpan ReplayRetryInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A lineage with staged rows, nothing blocking its writes and no replay progress for this
    /// long is stalled: the watchdog records it and restarts its replay.
    /// </summary>
    public TimeSpan ReplayStallAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a delete's tombstone keeps an older insert or update of its key from bringing the
    /// row back. A change that arrives later than this after a delete of its key is applied as if
    /// the delete had not happened.
    /// </summary>
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often each node's watchdog looks for stalled lineages.</summary>
    public TimeSpan WatchdogInterval { get; set; } = TimeSpan.FromSeconds(30);
}
