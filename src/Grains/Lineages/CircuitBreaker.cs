using EdgeSync.Registry;

namespace EdgeSync.Lineages;

/// <summary>After too many consecutive permanent write errors the lineage stops trying until an operator resets it.</summary>
public static class CircuitBreaker
{
    public static IEnumerable<LineageEvent> Trip(Lineage state, int failures, string error, EdgePolicy policy, long serverWatermark, Guid controlId, DateTimeOffset now) =>
        failures >= policy.CircuitBreakerThreshold
            ? FlowControl.Pause(state, PauseReason.CircuitBreaker, $"{failures} consecutive permanent write errors; last: {error}",
                serverWatermark, controlId, now, "system")
            : [];
}
