using EdgeSync.Registry;

namespace EdgeSync.Lineages;

/// <summary>
/// Pausing and resuming a lineage, and what the device is told about it. The device hears only
/// of device-facing reasons; it is told to resume only when the last of them clears and it had
/// been told to pause.
/// </summary>
public static class FlowControl
{
    private static readonly PauseReason[] DeviceFacing = [PauseReason.Backpressure, PauseReason.CircuitBreaker, PauseReason.Operator];

    public static IEnumerable<LineageEvent> Pause(Lineage state, PauseReason reason, string detail, long serverWatermark, Guid controlId, DateTimeOffset now, string actor, string? note = null)
    {
        if (state.PauseReasons.Contains(reason))
            yield break;
        yield return new LineagePaused(state.Id, reason, now, actor, note);
        if (DeviceFacing.Contains(reason) && !state.DevicePaused)
            yield return new ControlIssued(state.Id, controlId, ControlKind.PauseLineage, state.SourceTable, serverWatermark, detail, now, actor);
    }

    public static IEnumerable<LineageEvent> Resume(Lineage state, PauseReason reason, Guid controlId, DateTimeOffset now, string actor)
    {
        if (!state.PauseReasons.Contains(reason))
            yield break;
        yield return new LineageResumed(state.Id, reason, now, actor);
        var stillFacing = state.PauseReasons.Any(r => r != reason && DeviceFacing.Contains(r));
        if (state.DevicePaused && !stillFacing)
            yield return new ControlIssued(state.Id, controlId, ControlKind.ResumeLineage, state.SourceTable, state.ServerWatermark, null, now, actor);
    }

    /// <summary>Over either cap: pause. The rows of the batch that tipped it are staged all the same.</summary>
    public static bool OverCaps(EdgePolicy policy, long rows, long bytes) =>
        rows > policy.MaxPendingRowsPerLineage || bytes > policy.MaxPendingBytesPerLineage;

    /// <summary>Below the resume threshold of both caps: resume.</summary>
    public static bool BelowResumeThreshold(EdgePolicy policy, long rows, long bytes) =>
        rows * 100 < policy.MaxPendingRowsPerLineage * policy.ResumeThresholdPercent
        && bytes * 100 < policy.MaxPendingBytesPerLineage * policy.ResumeThresholdPercent;

    public static string BackpressureDetail(EdgePolicy policy, long rows, long bytes) =>
        $"staged backlog of {rows} rows / {bytes} bytes exceeds the caps of {policy.MaxPendingRowsPerLineage} rows / {policy.MaxPendingBytesPerLineage} bytes";
}
