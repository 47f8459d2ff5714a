using EdgeSync.Lineages;
using EdgeSync.Registry;
using EdgeSync.Tests.Infrastructure;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Lineages;

/// <summary>The lineage's decisions as pure functions of (state, command, time).</summary>
[Trait("Category", "Fast")]
public sealed class LineageDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    private static readonly DeviceIdentity Device = new(Guid.NewGuid(), Guid.NewGuid(), "gw-1");
    private readonly BatchPayloads _payloads = new();

    private RowBatch Batch(long fromSeq, int count, bool withColumns = true, Guid? epoch = null)
    {
        if (epoch is { } e)
            _payloads.Epoch = e;
        var read = RowBatchReader.Read(System.Text.Encoding.UTF8.GetBytes(_payloads.BatchJson(BatchPayloads.Inserts(fromSeq, count), withColumns)));
        Assert.True(read.IsAccepted, read.ToString());
        return read.Value;
    }

    private static IngestRows Ingest(RowBatch batch) => new(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Device, batch, new EdgePolicy());

    private static Lineage Fold(IEnumerable<LineageEvent> events) => Lineage.Fold(null, events);

    [Fact]
    public void A_first_batch_creates_the_lineage_observes_the_schema_queues_a_review_pauses_and_stages()
    {
        var decision = LineageDecider.Decide(null, Ingest(Batch(1, 3)), Now);

        Assert.Null(decision.Rejection);
        Assert.Collection(decision.Events,
            e => Assert.IsType<LineageCreated>(e),
            e => Assert.Equal(SchemaClassification.Ambiguous, Assert.IsType<SchemaObserved>(e).Classification),
            e => Assert.IsType<ReviewQueued>(e),
            e => Assert.Equal(PauseReason.SchemaReview, Assert.IsType<LineagePaused>(e).Reason),
            e =>
            {
                var staged = Assert.IsType<BatchStaged>(e);
                Assert.Equal((1, 3, 0, StagingReason.SchemaReview), (staged.StagedFromCommitSeq, staged.RowsStaged, staged.RowsSkipped, staged.StagingReason));
            });
        var state = Fold(decision.Events);
        Assert.Equal(LineageStatus.Paused, state.Status);
        Assert.Equal(3, state.Watermark!.LastCommitSeq);
        Assert.Equal(3, state.Counters.StagedRowCount);
    }

    [Fact]
    public void A_first_batch_without_columns_is_classified_unknown()
    {
        var decision = LineageDecider.Decide(null, Ingest(Batch(1, 1, withColumns: false)), Now);
        Assert.Equal(SchemaClassification.Unknown, decision.Events.OfType<SchemaObserved>().Single().Classification);
    }

    [Fact]
    public void Rows_at_or_below_the_watermark_are_skipped_and_counted()
    {
        var state = Fold(LineageDecider.Decide(null, Ingest(Batch(1, 3)), Now).Events);
        var decision = LineageDecider.Decide(state, Ingest(Batch(2, 4, withColumns: false)), Now);

        var staged = Assert.IsType<BatchStaged>(Assert.Single(decision.Events));
        Assert.Equal((4L, 2, 2), (staged.StagedFromCommitSeq, staged.RowsStaged, staged.RowsSkipped));
        var after = Fold(LineageDecider.Decide(null, Ingest(Batch(1, 3)), Now).Events.Concat(decision.Events));
        Assert.Equal(5, after.Watermark!.LastCommitSeq);
        Assert.Equal(2, after.Counters.RowsDuplicate);
    }

    [Fact]
    public void A_newer_epoch_restarts_the_sequence_and_an_older_one_is_stale()
    {
        var older = Guid.CreateVersion7(Now.AddMinutes(-2));
        var current = Guid.CreateVersion7(Now.AddMinutes(-1));
        var newer = Guid.CreateVersion7(Now);
        var state = Fold(LineageDecider.Decide(null, Ingest(Batch(10, 5, epoch: current)), Now).Events);

        var fresh = LineageDecider.Decide(state, Ingest(Batch(1, 2, withColumns: false, epoch: newer)), Now);
        Assert.Equal(2, Assert.IsType<BatchStaged>(Assert.Single(fresh.Events)).RowsStaged);

        var stale = LineageDecider.Decide(state, Ingest(Batch(100, 2, withColumns: false, epoch: older)), Now);
        Assert.Equal(2, Assert.IsType<StaleBatchSkipped>(Assert.Single(stale.Events)).Rows);
    }

    [Fact]
    public void A_new_unaccepted_schema_abandons_the_open_review_and_queues_one_for_the_newest_without_pausing_twice()
    {
        var first = LineageDecider.Decide(null, Ingest(Batch(1, 1)), Now).Events;
        var state = Fold(first);
        var firstReview = state.OpenReview!.ReviewId;

        var wider = new SchemaFingerprint("device_state", [.. _payloads.Schema.Columns, new SchemaColumn("note", "TEXT", false, 0)]);
        var batch = Batch(2, 1, withColumns: false) with { SchemaHash = wider.ComputeHash(), SchemaColumns = wider };
        var decision = LineageDecider.Decide(state, Ingest(batch), Now);

        Assert.Collection(decision.Events,
            e => Assert.IsType<SchemaObserved>(e),
            e => Assert.Equal(firstReview, Assert.IsType<ReviewAbandoned>(e).ReviewId),
            e => Assert.Equal(wider.ComputeHash(), Assert.IsType<ReviewQueued>(e).SchemaHash),
            e => Assert.IsType<BatchStaged>(e));
    }

    [Fact]
    public void A_batch_with_only_the_hash_is_checked_against_the_known_columns()
    {
        var state = Fold(LineageDecider.Decide(null, Ingest(Batch(1, 1)), Now).Events);
        var batch = Batch(2, 1, withColumns: false);
        batch = batch with { Rows = [batch.Rows[0] with { PkJson = """{"mode":"x"}""" }] };

        var decision = LineageDecider.Decide(state, Ingest(batch), Now);

        Assert.Equal(RejectionCodes.InvalidPk, decision.Rejection?.Code);
        Assert.IsType<BatchRejected>(Assert.Single(decision.Events));
    }

    [Fact]
    public void Observing_a_schema_records_it_without_review_or_pause_and_learns_missing_columns()
    {
        var unknownFirst = LineageDecider.Decide(null, Ingest(Batch(1, 1, withColumns: false)), Now).Events;
        var state = Fold(unknownFirst);
        var observation = new SchemaObservation("device_state", _payloads.Schema.ComputeHash(), Now, _payloads.Schema);

        var decision = LineageDecider.Decide(state, new ObserveSchema(Guid.CreateVersion7(), Device, observation), Now);
        var learned = Assert.IsType<SchemaColumnsLearned>(Assert.Single(decision.Events));
        Assert.Equal(_payloads.Schema, learned.Columns);

        var fresh = LineageDecider.Decide(null, new ObserveSchema(Guid.CreateVersion7(), Device, observation), Now);
        Assert.Collection(fresh.Events, e => Assert.IsType<LineageCreated>(e), e => Assert.IsType<SchemaObserved>(e));
    }

    [Fact]
    public void A_hash_first_seen_in_an_observation_is_reviewed_when_its_first_batch_arrives()
    {
        var observation = new SchemaObservation("device_state", _payloads.Schema.ComputeHash(), Now, _payloads.Schema);
        var state = Fold(LineageDecider.Decide(null, new ObserveSchema(Guid.CreateVersion7(), Device, observation), Now).Events);

        var decision = LineageDecider.Decide(state, Ingest(Batch(1, 2, withColumns: false)), Now);

        Assert.Collection(decision.Events,
            e => Assert.Equal(SchemaClassification.Ambiguous, Assert.IsType<ReviewQueued>(e).Classification),
            e => Assert.Equal(PauseReason.SchemaReview, Assert.IsType<LineagePaused>(e).Reason),
            e => Assert.Equal(StagingReason.SchemaReview, Assert.IsType<BatchStaged>(e).StagingReason));
    }
}
