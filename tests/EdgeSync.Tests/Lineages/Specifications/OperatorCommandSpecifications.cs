using EdgeSync.Lineages;
using EdgeSync.Registry;

namespace EdgeSync.Tests.Lineages.Specifications;

[Trait("Category", "Fast")]
public sealed class OperatorCommandSpecifications : LineageSpecification
{
    private void GivenAnActiveLineage()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        GivenTheBacklogReplayed();
        Assert.Equal(LineageStatus.Active, State.Status);
    }

    private Decision Pause(string? reason = "maintenance") =>
        OperatorDecisions.Pause(State, new PauseLineage(LineageId, reason, Operator), ControlId, Now);

    private Decision Resume() =>
        OperatorDecisions.Resume(State, new ResumeLineage(LineageId, Operator), ControlId, ReplayId, Now);

    [Fact]
    public void An_operator_pause_pauses_the_lineage_and_tells_the_device_with_the_operators_words()
    {
        GivenAnActiveLineage();
        Then(Pause(),
            new LineagePaused(LineageId, PauseReason.Operator, Now, Operator, "maintenance"),
            new ControlIssued(LineageId, ControlId, ControlKind.PauseLineage, "device_state", 3, "maintenance", Now, Operator));
    }

    [Fact]
    public void Pausing_a_lineage_the_operator_already_paused_changes_nothing()
    {
        GivenAnActiveLineage();
        Given(Pause().Events);
        Then(Pause());
    }

    [Fact]
    public void Resuming_a_lineage_no_operator_paused_is_refused()
    {
        GivenAnActiveLineage();
        ThenRefused(Resume(), 409, "lineage_not_paused_by_operator");
    }

    [Fact]
    public void Resuming_tells_the_device_to_resume_from_the_watermark()
    {
        GivenAnActiveLineage();
        Given(Pause().Events);
        Then(Resume(),
            new LineageResumed(LineageId, PauseReason.Operator, Now, Operator),
            new ControlIssued(LineageId, ControlId, ControlKind.ResumeLineage, "device_state", 3, null, Now, Operator));
    }

    [Fact]
    public void Rows_staged_during_an_operator_pause_are_replayed_when_it_is_lifted()
    {
        GivenAnActiveLineage();
        Given(Pause().Events);
        var staged = Assert.IsType<BatchStaged>(Assert.Single(Ingested(Batch(4, 2)).Events));
        Assert.Equal(StagingReason.LineagePaused, staged.StagingReason);

        Then(Resume(),
            new LineageResumed(LineageId, PauseReason.Operator, Now, Operator),
            new ControlIssued(LineageId, ControlId, ControlKind.ResumeLineage, "device_state", 5, null, Now, Operator),
            new ReplayStarted(LineageId, ReplayId, "operator_resume", 2, Now, Operator));
    }

    [Fact]
    public void The_device_is_not_told_to_resume_while_backpressure_still_holds_it()
    {
        GivenAnActiveLineage();
        Given(Pause().Events);
        var tight = new EdgePolicy { MaxPendingRowsPerLineage = 1 };
        Assert.Contains(Ingested(Batch(4, 2), tight).Events, e => e is LineagePaused { Reason: PauseReason.Backpressure });
        Assert.DoesNotContain(Ingested(Batch(6, 1), tight).Events, e => e is ControlIssued);

        Then(Resume(),
            new LineageResumed(LineageId, PauseReason.Operator, Now, Operator),
            new ReplayStarted(LineageId, ReplayId, "operator_resume", 3, Now, Operator));
    }

    [Fact]
    public void Resetting_a_lineage_whose_breaker_has_not_tripped_is_refused()
    {
        GivenAnActiveLineage();
        ThenRefused(OperatorDecisions.Reset(State, new ResetMaterialization(LineageId, Operator), ControlId, ReplayId, Now), 409, "lineage_not_tripped");
    }

    [Fact]
    public void Resetting_while_a_review_is_open_is_refused()
    {
        GivenAnActiveLineage();
        Given(ReplayDecisions.ChunkFailed(State, "boom", new EdgePolicy { CircuitBreakerThreshold = 1 }, ControlId, Now).Events);
        Given([new ReviewQueued(LineageId, Guid.NewGuid(), Device.ProjectId, Device.DeviceId, "device_state", new string('a', 64),
            SchemaClassification.Unknown, null, null, Now, DeviceActor)]);
        ThenRefused(OperatorDecisions.Reset(State, new ResetMaterialization(LineageId, Operator), ControlId, ReplayId, Now), 409, "review_open");
    }

    [Fact]
    public void A_reset_clears_the_failures_lifts_the_breaker_tells_the_device_and_replays_the_backlog()
    {
        GivenAnActiveLineage();
        var policy = new EdgePolicy { CircuitBreakerThreshold = 2 };
        var command = Ingest(Batch(4, 2), policy);
        var failed = LineageDecider.WithMaterializationFailure(LineageDecider.Decide(State, command, Now), State, command, "boom", Now);
        Given(failed.Events);
        Given(ReplayDecisions.ChunkFailed(State, "boom again", policy, ControlId, Now).Events);
        Assert.Contains(PauseReason.CircuitBreaker, State.PauseReasons);

        Then(OperatorDecisions.Reset(State, new ResetMaterialization(LineageId, Operator), ControlId, ReplayId, Now),
            new MaterializationReset(LineageId, 2, Now, Operator),
            new LineageResumed(LineageId, PauseReason.CircuitBreaker, Now, Operator),
            new ControlIssued(LineageId, ControlId, ControlKind.ResumeLineage, "device_state", 5, null, Now, Operator),
            new ReplayStarted(LineageId, ReplayId, "reset", 2, Now, Operator));
    }

    [Fact]
    public void An_acknowledgement_is_recorded_as_the_devices()
    {
        GivenAnActiveLineage();
        Then(OperatorDecisions.Acknowledge(State, ControlId, Now), new ControlAcknowledged(LineageId, ControlId, Now, DeviceActor));
    }

    [Fact]
    public void Deleting_records_whether_the_mirror_is_dropped()
    {
        GivenAnActiveLineage();
        Then(OperatorDecisions.Delete(State, new DeleteLineage(LineageId, DropMirror: true, Operator), Now),
            new LineageDeleted(LineageId, MirrorDropped: true, Now, Operator));
    }
}
