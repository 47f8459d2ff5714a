using EdgeSync.Lineages;
using EdgeSync.Registry;

namespace EdgeSync.Tests.Lineages.Specifications;

[Trait("Category", "Fast")]
public sealed class ReplaySpecifications : LineageSpecification
{
    private static ReplayChunk Chunk(int rows, long bytes, Guid epoch, long lastSeq) => new(rows, bytes, epoch, lastSeq);

    [Fact]
    public void A_chunk_that_leaves_rows_behind_records_its_progress_only()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        Then(ReplayDecisions.ChunkApplied(State, Chunk(2, 80, Payloads.Epoch, 2), new EdgePolicy(), ControlId, Now),
            new ReplayProgressed(LineageId, ReplayId, 2, 80, Payloads.Epoch, 2, Now, SystemActor));
    }

    [Fact]
    public void The_chunk_that_drains_the_backlog_completes_the_replay()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        Given(ReplayDecisions.ChunkApplied(State, Chunk(2, 80, Payloads.Epoch, 2), new EdgePolicy(), ControlId, Now).Events);
        Then(ReplayDecisions.ChunkApplied(State, Chunk(1, 40, Payloads.Epoch, 3), new EdgePolicy(), ControlId, Now),
            new ReplayProgressed(LineageId, ReplayId, 1, 40, Payloads.Epoch, 3, Now, SystemActor),
            new ReplayCompleted(LineageId, ReplayId, 3, Now, SystemActor));
        Given(ReplayDecisions.ChunkApplied(State, Chunk(1, 40, Payloads.Epoch, 3), new EdgePolicy(), ControlId, Now).Events);
        Assert.False(State.IsReplaying);
        Assert.Equal(0, State.Counters.StagedRowCount);
    }

    [Fact]
    public void Draining_below_the_resume_threshold_lifts_backpressure_and_tells_the_device()
    {
        var caps = new EdgePolicy { MaxPendingRowsPerLineage = 4 };
        GivenAnApprovedLineage(stagedRows: 3);
        Assert.Contains(Ingested(Batch(4, 2), caps).Events, e => e is ControlIssued { ControlKind: ControlKind.PauseLineage });
        Assert.Equal(5, State.Counters.StagedRowCount);

        var decision = ReplayDecisions.ChunkApplied(State, Chunk(3, 120, Payloads.Epoch, 3), caps, ControlId, Now);
        Then(decision,
            new ReplayProgressed(LineageId, ReplayId, 3, 120, Payloads.Epoch, 3, Now, SystemActor),
            new LineageResumed(LineageId, PauseReason.Backpressure, Now, SystemActor),
            new ControlIssued(LineageId, ControlId, ControlKind.ResumeLineage, "device_state", 5, null, Now, SystemActor));
    }

    [Fact]
    public void Nothing_left_to_drain_completes_the_replay_with_what_it_did()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        Then(ReplayDecisions.NothingLeft(State, Now), new ReplayCompleted(LineageId, ReplayId, 0, Now, SystemActor));
    }

    [Fact]
    public void A_replay_that_finds_nothing_left_leaves_no_staged_rows_counted()
    {
        // Counted 3 staged rows, but a late copy of a staged row is stored once: the store can hold fewer.
        GivenAnApprovedLineage(stagedRows: 3);
        Given(ReplayDecisions.NothingLeft(State, Now).Events);
        Assert.Equal((0L, 0L), (State.Counters.StagedRowCount, State.Counters.StagedBytes));
        Assert.False(State.HasStagedBacklog);
    }

    [Fact]
    public void A_permanent_chunk_failure_counts_towards_the_breaker()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        Then(ReplayDecisions.ChunkFailed(State, "boom", new EdgePolicy(), ControlId, Now),
            new ReplayFailed(LineageId, ReplayId, "boom", Permanent: true, Now, SystemActor),
            new MaterializationFailed(LineageId, null, "boom", Permanent: true, 1, Now, SystemActor));
    }

    [Fact]
    public void The_failure_that_reaches_the_threshold_trips_the_breaker_and_pauses_the_device()
    {
        var policy = new EdgePolicy { CircuitBreakerThreshold = 2 };
        GivenAnApprovedLineage(stagedRows: 3);
        Given(ReplayDecisions.ChunkFailed(State, "boom", policy, ControlId, Now).Events);
        Then(ReplayDecisions.ChunkFailed(State, "boom", policy, ControlId, Now),
            new ReplayFailed(LineageId, ReplayId, "boom", Permanent: true, Now, SystemActor),
            new MaterializationFailed(LineageId, null, "boom", Permanent: true, 2, Now, SystemActor),
            new LineagePaused(LineageId, PauseReason.CircuitBreaker, Now, SystemActor),
            new ControlIssued(LineageId, ControlId, ControlKind.PauseLineage, "device_state", 3, "2 consecutive permanent write errors; last: boom", Now, SystemActor));
    }

    [Fact]
    public void An_error_that_says_nothing_about_the_rows_is_recorded_but_not_counted()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        Then(ReplayDecisions.ChunkErrored(State, "connection lost", Now),
            new ReplayFailed(LineageId, ReplayId, "connection lost", Permanent: false, Now, SystemActor));
        Given(ReplayDecisions.ChunkErrored(State, "connection lost", Now).Events);
        Assert.Equal(0, State.ConsecutiveFailures);
    }

    [Fact]
    public void The_watchdog_leaves_a_replay_that_progressed_recently_alone()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        Then(ReplayDecisions.Stalled(State, TimeSpan.FromMinutes(2), Guid.NewGuid(), Now.AddMinutes(1)));
    }

    [Fact]
    public void The_watchdog_restarts_a_replay_without_progress()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        Then(ReplayDecisions.Stalled(State, TimeSpan.FromMinutes(2), Guid.NewGuid(), Now.AddMinutes(3)),
            new ReplayRestarted(LineageId, ReplayId, Now, Now.AddMinutes(3), SystemActor));
    }

    [Fact]
    public void The_watchdog_does_not_touch_a_backlog_a_review_holds()
    {
        GivenAFirstBatch();
        Then(ReplayDecisions.Stalled(State, TimeSpan.FromMinutes(2), Guid.NewGuid(), Now.AddHours(1)));
    }
}
