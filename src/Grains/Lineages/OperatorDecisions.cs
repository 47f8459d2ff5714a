namespace EdgeSync.Lineages;

/// <summary>Pure decisions on an operator's lineage commands and a device's acknowledgements.</summary>
public static class OperatorDecisions
{
    public static Decision Pause(Lineage state, PauseLineage command, Guid controlId, DateTimeOffset now) =>
        new(FlowControl.Pause(state, PauseReason.Operator, command.Reason ?? "paused by an operator", state.ServerWatermark,
            controlId, now, command.Actor, note: command.Reason).ToList());

    public static Decision Resume(Lineage state, ResumeLineage command, Guid controlId, Guid replayId, DateTimeOffset now)
    {
        if (!state.PauseReasons.Contains(PauseReason.Operator))
            return Decision.Refused(CommandResult.Conflict("lineage_not_paused_by_operator", "The lineage has no operator pause to clear."));
        var events = FlowControl.Resume(state, PauseReason.Operator, controlId, now, command.Actor).ToList();
        events.AddRange(ReplayIfBacklog(state, replayId, "operator_resume", now, command.Actor));
        return new Decision(events);
    }

    public static Decision Reset(Lineage state, ResetMaterialization command, Guid controlId, Guid replayId, DateTimeOffset now)
    {
        if (!state.PauseReasons.Contains(PauseReason.CircuitBreaker))
            return Decision.Refused(CommandResult.Conflict("lineage_not_tripped", "The circuit breaker of this lineage has not tripped."));
        if (state.OpenReview is not null)
            return Decision.Refused(CommandResult.Conflict("review_open", "A schema review is open; decide it before resetting materialization."));
        var events = new List<LineageEvent> { new MaterializationReset(state.Id, state.ConsecutiveFailures, now, command.Actor) };
        events.AddRange(FlowControl.Resume(state, PauseReason.CircuitBreaker, controlId, now, command.Actor));
        if (state.HasStagedBacklog)
            events.Add(new ReplayStarted(state.Id, replayId, "reset", state.Counters.StagedRowCount, now, command.Actor));
        return new Decision(events);
    }

    public static Decision Acknowledge(Lineage state, Guid controlId, DateTimeOffset now) =>
        new([new ControlAcknowledged(state.Id, controlId, now, $"device:{state.DeviceName}")]);

    public static Decision Delete(Lineage state, DeleteLineage command, DateTimeOffset now) =>
        new([new LineageDeleted(state.Id, command.DropMirror, now, command.Actor)]);

    private static IEnumerable<LineageEvent> ReplayIfBacklog(Lineage state, Guid replayId, string cause, DateTimeOffset now, string actor)
    {
        if (state.HasStagedBacklog && !state.IsReplaying)
            yield return new ReplayStarted(state.Id, replayId, cause, state.Counters.StagedRowCount, now, actor);
    }
}
