using EdgeSync.Lineages;
using EdgeSync.Registry;
using EdgeSync.Uploads;

namespace EdgeSync.Tests.Lineages.Specifications;

[Trait("Category", "Fast")]
public sealed class SnapshotSpecifications : LineageSpecification
{
    private static readonly Guid UploadId = Guid.Parse("0193a000-0000-7000-8000-0000000000e1");
    private static readonly Guid BatchId = Guid.Parse("0193a000-0000-7000-8000-0000000000e2");

    private SnapshotHeader Header(long rows, long commitSeq = 3) => new(Payloads.Table, Payloads.Epoch, commitSeq, Payloads.Schema.ComputeHash(), rows);

    private ReceiveSnapshot Receive(long rows, EdgePolicy? policy = null) =>
        new(ReviewId, ReplayId, Device, UploadId, BatchId, Header(rows), policy ?? new EdgePolicy());

    private SnapshotReceived Received(long rows) =>
        new(LineageId, UploadId, BatchId, Payloads.Epoch, 3, Payloads.Schema.ComputeHash(), rows, Now, DeviceActor);

    [Fact]
    public void A_snapshot_into_a_lineage_that_can_write_joins_the_backlog_and_starts_a_replay()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        GivenTheBacklogReplayed();
        Then(SnapshotDecisions.Receive(State, Receive(100), Now),
            Received(100),
            new ReplayStarted(LineageId, ReplayId, "bootstrap_snapshot", 100, Now, SystemActor));
    }

    [Fact]
    public void A_snapshot_of_a_schema_not_yet_accepted_queues_its_review_and_waits()
    {
        Given([
            new LineageCreated(LineageId, Device.ProjectId, Device.DeviceId, Device.DeviceName, Payloads.Table, Now, DeviceActor),
            new SchemaObserved(LineageId, Payloads.Schema.ComputeHash(), Payloads.Schema, SchemaClassification.Unknown, Now, DeviceActor),
        ]);
        var decision = SnapshotDecisions.Receive(State, Receive(100), Now);
        Assert.Contains(decision.Events, e => e is ReviewQueued);
        Assert.Contains(decision.Events, e => e is LineagePaused { Reason: PauseReason.SchemaReview });
        Assert.DoesNotContain(decision.Events, e => e is ReplayStarted);
        Given(decision.Events);
        Assert.True(State.HasStagedBacklog);
    }

    [Fact]
    public void Live_batches_stage_behind_a_pending_snapshot_and_backpressure_counts_its_rows()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        GivenTheBacklogReplayed();
        Given(SnapshotDecisions.Receive(State, Receive(100), Now).Events);
        var decision = Ingested(Batch(4, 2), new EdgePolicy { MaxPendingRowsPerLineage = 50 });
        Assert.Contains(decision.Events, e => e is BatchStaged { RowsStaged: 2 });
        Assert.Contains(decision.Events, e => e is LineagePaused { Reason: PauseReason.Backpressure });
    }

    [Fact]
    public void The_last_chunk_of_a_snapshot_takes_it_out_of_the_backlog()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        GivenTheBacklogReplayed();
        Given(SnapshotDecisions.Receive(State, Receive(100), Now).Events);
        Then(SnapshotDecisions.ChunkApplied(State, State.PendingSnapshots[0], 60, last: false, Now),
            new SnapshotProgressed(LineageId, UploadId, 60, 60, Now, SystemActor));
        Given(SnapshotDecisions.ChunkApplied(State, State.PendingSnapshots[0], 60, last: false, Now).Events);
        Then(SnapshotDecisions.ChunkApplied(State, State.PendingSnapshots[0], 40, last: true, Now),
            new SnapshotApplied(LineageId, UploadId, 100, Now, SystemActor));
        Given(SnapshotDecisions.ChunkApplied(State, State.PendingSnapshots[0], 40, last: true, Now).Events);
        Assert.Empty(State.PendingSnapshots);
        Assert.False(State.HasStagedBacklog);
    }

    [Fact]
    public void A_snapshot_whose_columns_the_lineage_does_not_know_is_refused()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        Assert.NotNull(SnapshotDecisions.Refusal(State, Header(10) with { SchemaHash = new string('a', 64) }));
        Assert.NotNull(SnapshotDecisions.Refusal(State, Header(10) with { SnapshotOf = "other" }));
        Assert.Null(SnapshotDecisions.Refusal(State, Header(10)));
    }
}
