using EdgeSync.Lineages;
using EdgeSync.Registry;
using EdgeSync.Storage;

namespace EdgeSync.Tests.Lineages.Specifications;

[Trait("Category", "Fast")]
public sealed class PoisonRowSpecifications : LineageSpecification
{
    private const string Error = "column 'setpoint': expected a JSON integer, got a string";

    /// <summary>An approved lineage whose replay failed permanently <paramref name="failures"/> times (threshold 2 trips it).</summary>
    private void GivenAFailingBacklog(int failures, int stagedRows = 3)
    {
        GivenAnApprovedLineage(stagedRows);
        for (var i = 0; i < failures; i++)
            Given(ReplayDecisions.ChunkFailed(State, Error, new EdgePolicy { CircuitBreakerThreshold = 2 }, ControlId, Now).Events);
    }

    private DiscardStagedRows Discard(params long[] seqs) => new(LineageId, Payloads.Epoch, seqs, "bad sensor", Operator);

    private RequeueQuarantinedRows Requeue(params long[] seqs) => new(LineageId, Payloads.Epoch, seqs, Operator);

    private static IReadOnlyList<MovedRow> Moved(params long[] seqs) => seqs.Select(s => new MovedRow(s, 40)).ToList();

    [Fact]
    public void A_discard_records_the_rows_with_the_error_they_met_and_takes_them_off_the_backlog_without_resetting_the_breaker()
    {
        GivenAFailingBacklog(failures: 2);
        Assert.Contains(PauseReason.CircuitBreaker, State.PauseReasons);

        Then(PoisonRowDecisions.Discard(State, Discard(1), Moved(1), new EdgePolicy(), ReplayId, ControlId, Now),
            new StagedRowsDiscarded(LineageId, Payloads.Epoch, [1], 1, 40, "bad sensor", Error, Now, Operator));
        Given(PoisonRowDecisions.Discard(State, Discard(1), Moved(1), new EdgePolicy(), ReplayId, ControlId, Now).Events);
        Assert.Equal(2, State.Counters.StagedRowCount);
        Assert.Equal(1, State.Counters.RowsQuarantined);
        Assert.Contains(PauseReason.CircuitBreaker, State.PauseReasons);
        Assert.Equal(2, State.ConsecutiveFailures);
    }

    [Fact]
    public void A_discard_that_moved_nothing_records_nothing()
    {
        GivenAFailingBacklog(failures: 1);
        Then(PoisonRowDecisions.Discard(State, Discard(7), Moved(), new EdgePolicy(), ReplayId, ControlId, Now));
    }

    [Fact]
    public void A_discard_on_a_lineage_nothing_blocks_lets_the_rest_of_the_backlog_drain()
    {
        GivenAFailingBacklog(failures: 1);
        Given(ReplayDecisions.ChunkErrored(State, "gone", Now).Events);
        var state = State;
        // The replay intent is still there (failed, to be retried): nothing new is started.
        Then(PoisonRowDecisions.Discard(state, Discard(1), Moved(1), new EdgePolicy(), ReplayId, ControlId, Now),
            new StagedRowsDiscarded(LineageId, Payloads.Epoch, [1], 1, 40, "bad sensor", Error, Now, Operator));

        Given(ReplayDecisions.NothingLeft(State, Now).Events);
        Given(new[] { new BatchStaged(LineageId, Guid.NewGuid(), Payloads.Epoch, 4, 5, 4, 2, 0, 80, StagingReason.MaterializationFailed, Now, DeviceActor) });
        Then(PoisonRowDecisions.Discard(State, Discard(4), Moved(4), new EdgePolicy(), ReplayId, ControlId, Now),
            new StagedRowsDiscarded(LineageId, Payloads.Epoch, [4], 1, 40, "bad sensor", Error, Now, Operator),
            new ReplayStarted(LineageId, ReplayId, "discard", 1, Now, Operator));
    }

    [Fact]
    public void A_discard_that_brings_the_backlog_below_the_resume_threshold_ends_the_backpressure_pause()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        var tight = new EdgePolicy { MaxPendingRowsPerLineage = 2 };
        Given(FlowControl.Pause(State, PauseReason.Backpressure, "over", State.ServerWatermark, ControlId, Now, SystemActor));
        var decision = PoisonRowDecisions.Discard(State, Discard(1, 2), Moved(1, 2), tight, ReplayId, ControlId, Now);
        Assert.Contains(decision.Events, e => e is LineageResumed { Reason: PauseReason.Backpressure });
    }

    [Fact]
    public void Requeued_rows_are_staged_again_and_replayed_when_nothing_blocks_the_lineage()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        GivenTheBacklogReplayed();
        Then(PoisonRowDecisions.Requeue(State, Requeue(2), Moved(2), ReplayId, Now),
            new QuarantinedRowsRequeued(LineageId, Payloads.Epoch, [2], 1, 40, Now, Operator),
            new ReplayStarted(LineageId, ReplayId, "requeue", 1, Now, Operator));
        Given(PoisonRowDecisions.Requeue(State, Requeue(2), Moved(2), ReplayId, Now).Events);
        Assert.Equal(1, State.Counters.StagedRowCount);
        Assert.True(State.HasStagedBacklog);
    }

    [Fact]
    public void Rows_requeued_while_the_breaker_is_tripped_wait_for_its_reset()
    {
        GivenAFailingBacklog(failures: 2);
        Then(PoisonRowDecisions.Requeue(State, Requeue(9), Moved(9), ReplayId, Now),
            new QuarantinedRowsRequeued(LineageId, Payloads.Epoch, [9], 1, 40, Now, Operator));
    }

    [Fact]
    public void A_live_batch_written_without_its_set_aside_rows_counts_no_failure_and_records_them()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        GivenTheBacklogReplayed();
        var batch = Batch(4, 3);
        var decision = LineageDecider.Decide(State, Ingest(batch), Now);
        var setAside = new SetAside(batch.JournalEpoch, [5], 40, Error);

        var quarantined = PoisonRowDecisions.SetAsideLive(decision, setAside, Now);

        Assert.Equal(2, Assert.Single(quarantined.Events.OfType<BatchMaterialized>()).RowsApplied);
        var recorded = Assert.Single(quarantined.Events.OfType<RowsQuarantined>());
        Assert.Equal((batch.BatchId, batch.JournalEpoch, 1, 40L, false, Error), (recorded.BatchId, recorded.JournalEpoch, recorded.Rows, recorded.Bytes, recorded.FromStaging, recorded.Error));
        Assert.Equal([5L], recorded.CommitSeqs);
        Assert.DoesNotContain(quarantined.Events, e => e is MaterializationFailed or LineagePaused);
        Given(quarantined.Events);
        Assert.Equal((LineageStatus.Active, 0, 1L), (State.Status, State.ConsecutiveFailures, State.Counters.RowsQuarantined));
    }

    [Fact]
    public void A_replay_chunk_with_set_aside_rows_takes_them_off_the_backlog_and_completes_when_nothing_is_left()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        var setAside = new SetAside(Payloads.Epoch, [2], 40, Error);
        Then(ReplayDecisions.ChunkApplied(State, new ReplayChunk(2, 80, Payloads.Epoch, 3), new EdgePolicy(), ControlId, Now, [setAside]),
            new RowsQuarantined(LineageId, null, Payloads.Epoch, [2], 1, 40, true, Error, Now, SystemActor),
            new ReplayProgressed(LineageId, ReplayId, 2, 80, Payloads.Epoch, 3, Now, SystemActor),
            new ReplayCompleted(LineageId, ReplayId, 2, Now, SystemActor));
    }
}
