using EdgeSync.Lineages;
using EdgeSync.Registry;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Lineages.Specifications;

[Trait("Category", "Fast")]
public sealed class IngestSpecifications : LineageSpecification
{
    private static long Bytes(RowBatch batch, long fromSeq) => batch.Rows.Where(r => r.CommitSeq >= fromSeq).Sum(r => (long)StagedRowSize.Of(r));

    private void GivenAnActiveLineage()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        GivenTheBacklogReplayed();
    }

    [Fact]
    public void A_batch_for_an_active_lineage_with_nothing_waiting_is_written_straight_to_the_mirror()
    {
        GivenAnActiveLineage();
        var batch = Batch(4, 2, withColumns: false);
        Then(LineageDecider.Decide(State, Ingest(batch), Now),
            new BatchMaterialized(LineageId, batch.BatchId, Payloads.Epoch, 4, 5, 2, 0, Now, DeviceActor));
    }

    [Fact]
    public void A_batch_below_the_watermark_that_was_never_seen_is_a_late_arrival_and_written_whole()
    {
        GivenAnActiveLineage();
        Ingested(Batch(7, 2, withColumns: false));
        var late = Batch(4, 3, withColumns: false);
        var decision = LineageDecider.Decide(State, Ingest(late), Now);
        Then(decision, new BatchMaterialized(LineageId, late.BatchId, Payloads.Epoch, 4, 6, 3, 0, Now, DeviceActor, RowsLate: 3));
        Assert.Equal([4L, 5, 6], decision.Write!.Rows.Select(r => r.CommitSeq));
    }

    [Fact]
    public void Rows_of_a_new_batch_that_repeat_rows_already_kept_are_duplicates_and_not_written_again()
    {
        GivenAnActiveLineage();
        Ingested(Batch(4, 2, withColumns: false));
        var rebatched = Batch(4, 3, withColumns: false);
        var decision = LineageDecider.Decide(State, Ingest(rebatched), Now);
        Then(decision, new BatchMaterialized(LineageId, rebatched.BatchId, Payloads.Epoch, 4, 6, 1, 2, Now, DeviceActor));
        Assert.Equal([6L], decision.Write!.Rows.Select(r => r.CommitSeq));
    }

    [Fact]
    public void A_late_batch_while_the_backlog_replays_is_staged_behind_it_and_counted_late()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        Ingested(Batch(7, 2, withColumns: false));
        var late = Batch(4, 3, withColumns: false);
        Then(LineageDecider.Decide(State, Ingest(late), Now),
            new BatchStaged(LineageId, late.BatchId, Payloads.Epoch, 4, 6, 4, 3, 0, Bytes(late, 4), StagingReason.BehindBacklog, Now, DeviceActor, RowsLate: 3));
    }

    [Fact]
    public void The_watermark_is_the_newest_row_kept_whatever_the_order_of_the_batches()
    {
        GivenAnActiveLineage();
        Ingested(Batch(7, 2, withColumns: false));
        Ingested(Batch(4, 3, withColumns: false));
        Assert.Equal((Payloads.Epoch, 8L), (State.Watermark!.JournalEpoch, State.ServerWatermark));
        Assert.Equal((3L, 0L), (State.Counters.RowsLate, State.Counters.RowsDuplicate));
    }

    [Fact]
    public void A_batch_arriving_while_the_backlog_replays_queues_behind_it()
    {
        GivenAnApprovedLineage(stagedRows: 3);
        var batch = Batch(4, 2, withColumns: false);
        Then(LineageDecider.Decide(State, Ingest(batch), Now),
            new BatchStaged(LineageId, batch.BatchId, Payloads.Epoch, 4, 5, 4, 2, 0, Bytes(batch, 4), StagingReason.BehindBacklog, Now, DeviceActor));
    }

    [Fact]
    public void A_staged_backlog_over_the_caps_pauses_the_lineage_and_tells_the_device_where_it_stands()
    {
        GivenAFirstBatch(3);
        var caps = new EdgePolicy { MaxPendingRowsPerLineage = 4 };
        var batch = Batch(4, 2, withColumns: false);
        Then(LineageDecider.Decide(State, Ingest(batch, caps), Now),
            new BatchStaged(LineageId, batch.BatchId, Payloads.Epoch, 4, 5, 4, 2, 0, Bytes(batch, 4), StagingReason.SchemaReview, Now, DeviceActor),
            new LineagePaused(LineageId, PauseReason.Backpressure, Now, SystemActor),
            new ControlIssued(LineageId, ControlId, ControlKind.PauseLineage, "device_state", 5,
                FlowControl.BackpressureDetail(caps, 5, State.Counters.StagedBytes + Bytes(batch, 4)), Now, SystemActor));
    }

    [Fact]
    public void A_batch_from_an_older_journal_epoch_is_skipped_whole_and_counted()
    {
        GivenAFirstBatch(3);
        Payloads.Epoch = Guid.CreateVersion7(DateTimeOffset.UnixEpoch.AddYears(40));
        var stale = Batch(1, 2, withColumns: false);
        Then(LineageDecider.Decide(State, Ingest(stale), Now),
            new StaleBatchSkipped(LineageId, stale.BatchId, stale.JournalEpoch, 2, Now, DeviceActor));
    }

    [Fact]
    public void A_permanent_write_error_stages_the_batch_counts_the_failure_and_schedules_a_retry()
    {
        GivenAnActiveLineage();
        var batch = Batch(4, 2, withColumns: false);
        var command = Ingest(batch);
        Then(LineageDecider.WithMaterializationFailure(LineageDecider.Decide(State, command, Now), State, command, "value too long", Now),
            new MaterializationFailed(LineageId, batch.BatchId, "value too long", Permanent: true, 1, Now, DeviceActor),
            new BatchStaged(LineageId, batch.BatchId, Payloads.Epoch, 4, 5, 4, 2, 0, Bytes(batch, 4), StagingReason.MaterializationFailed, Now, DeviceActor),
            new ReplayStarted(LineageId, ReplayId, "materialization_failed", 2, Now, SystemActor));
    }

    [Fact]
    public void The_write_error_that_reaches_the_threshold_trips_the_breaker()
    {
        GivenAnActiveLineage();
        var batch = Batch(4, 2, withColumns: false);
        var command = Ingest(batch, new EdgePolicy { CircuitBreakerThreshold = 1 });
        Then(LineageDecider.WithMaterializationFailure(LineageDecider.Decide(State, command, Now), State, command, "value too long", Now),
            new MaterializationFailed(LineageId, batch.BatchId, "value too long", Permanent: true, 1, Now, DeviceActor),
            new BatchStaged(LineageId, batch.BatchId, Payloads.Epoch, 4, 5, 4, 2, 0, Bytes(batch, 4), StagingReason.MaterializationFailed, Now, DeviceActor),
            new LineagePaused(LineageId, PauseReason.CircuitBreaker, Now, SystemActor),
            new ControlIssued(LineageId, ControlId, ControlKind.PauseLineage, "device_state", 5, "1 consecutive permanent write errors; last: value too long", Now, SystemActor),
            new ReplayStarted(LineageId, ReplayId, "materialization_failed", 2, Now, SystemActor));
    }

    [Fact]
    public void Rows_that_do_not_fit_the_known_schema_reject_the_batch_and_record_it()
    {
        GivenAnActiveLineage();
        var json = Payloads.Batch(BatchPayloads_WithUnknownColumn(), withColumns: false).ToJsonString();
        var read = RowBatchReader.Read(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.True(read.IsAccepted, read.ToString());
        var decision = LineageDecider.Decide(State, Ingest(read.Value!), Now);
        Assert.NotNull(decision.Rejection);
        Then(decision, new BatchRejected(LineageId, read.Value!.BatchId, decision.Rejection!.Code, decision.Rejection.Detail, Now, DeviceActor));
    }

    [Fact]
    public void A_schema_accepted_before_but_since_replaced_is_reviewed_again_rather_than_staged_with_nothing_to_release_it()
    {
        GivenAnActiveLineage();
        var withoutSetpoint = BatchWithout("setpoint", 4, 1);
        Ingested(withoutSetpoint);
        Given(ReviewDecisions.Claim(State, new ClaimReview(ReviewId, Operator), Now).Events);
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(2, Mirror("id"), Mirror("mode")));
        Assert.True(result.Succeeded, result.Detail);
        Given(ReviewDecisions.Approve(State, plan!, State.Mirror!, ReplayId, Operator, Now).Events);
        Assert.Equal(withoutSetpoint.SchemaHash, State.AcceptedSchemaHash);

        // The device goes back to the first schema, accepted once and replaced since.
        var decision = LineageDecider.Decide(State, Ingest(Batch(5, 1, withColumns: false)), Now);
        Assert.Contains(decision.Events, e => e is ReviewQueued);
        Assert.Contains(decision.Events, e => e is LineagePaused { Reason: PauseReason.SchemaReview });
    }

    [Fact]
    public void A_rejected_schema_stays_rejected_its_rows_staged_without_a_new_review()
    {
        GivenAFirstBatch();
        Given(ReviewDecisions.Reject(State, new RejectReview(ReviewId, 1, "not ours", Operator), Now).Events);

        var batch = Batch(4, 1, withColumns: false);
        Then(LineageDecider.Decide(State, Ingest(batch), Now),
            new BatchStaged(LineageId, batch.BatchId, Payloads.Epoch, 4, 4, 4, 1, 0, Bytes(batch, 4), StagingReason.SchemaReview, Now, DeviceActor));
    }

    /// <summary>A batch of the table without <paramref name="column"/>: another schema, with its columns.</summary>
    private RowBatch BatchWithout(string column, long fromSeq, int count)
    {
        var json = Payloads.Batch(Infrastructure.BatchPayloads.Inserts(fromSeq, count));
        foreach (var row in json["rows"]!.AsArray())
            row!["row"]!.AsObject().Remove(column);
        var columns = Payloads.Schema.Columns.Where(c => c.Name != column).ToList();
        var schema = new SchemaFingerprint(Payloads.Table, columns);
        json["schema_hash"] = schema.ComputeHash();
        json["schema_columns"] = System.Text.Json.Nodes.JsonNode.Parse(schema.ToCanonicalJson());
        var read = RowBatchReader.Read(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
        Assert.True(read.IsAccepted, read.ToString());
        return read.Value!;
    }

    private static IEnumerable<System.Text.Json.Nodes.JsonObject> BatchPayloads_WithUnknownColumn()
    {
        var row = Infrastructure.BatchPayloads.Upsert(4, 4, "cooling", 20.5);
        row["row"]!.AsObject()["colour"] = "blue";
        yield return row;
    }
}
