using System.Text;
using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Tests.Infrastructure;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Lineages.Specifications;

/// <summary>The kind of a lineage, the sequencing of telemetry batches and the approval rule of a time series.</summary>
[Trait("Category", "Fast")]
public sealed class TelemetrySpecifications : LineageSpecification
{
    private static readonly DateTimeOffset Start = new(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);
    private readonly TelemetryPayloads _telemetry = new();

    private TelemetryBatch Telemetry(long batchSeq, int rows = 2, bool withColumns = true)
    {
        var json = _telemetry.Batch(batchSeq, TelemetryPayloads.Rows(Start.AddHours(batchSeq), batchSeq * 10, rows), withColumns).ToJsonString();
        var read = TelemetryBatchReader.Read(Encoding.UTF8.GetBytes(json));
        Assert.True(read.IsAccepted, read.ToString());
        return read.Value!;
    }

    private static IngestRows Command(TelemetryBatch batch) =>
        Ingest(TelemetryJournal.ToRowBatch(batch)) with { Telemetry = new TelemetryOrigin(batch.BatchSeq, batch.TimestampColumn) };

    private Decision IngestedTelemetry(TelemetryBatch batch)
    {
        var decision = Decide(batch);
        Given(decision.Events);
        return decision;
    }

    private Decision Decide(TelemetryBatch batch) => LineageDecider.Decide(StateOrNull, Command(batch), Now);

    private Lineage? StateOrNull => _started ? State : null;
    private bool _started;

    private void GivenAcceptedSeqs(params long[] seqs)
    {
        foreach (var seq in seqs)
        {
            IngestedTelemetry(Telemetry(seq, withColumns: !_started));
            _started = true;
        }
    }

    [Fact]
    public void The_first_telemetry_batch_creates_a_telemetry_lineage_with_its_timestamp_column_and_stages_its_rows_for_review()
    {
        var decision = Decide(Telemetry(3));
        var created = Assert.IsType<LineageCreated>(decision.Events[0]);
        Assert.Equal((WireLimits.TelemetryBatchCaptureStrategy, "taken_at"), (created.CaptureStrategy, created.TimestampColumn));
        Assert.Contains(decision.Events, e => e is ReviewQueued);
        var staged = Assert.Single(decision.Events.OfType<BatchStaged>());
        Assert.Equal((TelemetryJournal.Epoch, TelemetryJournal.CommitSeqOf(3, 0), TelemetryJournal.CommitSeqOf(3, 1)), (staged.JournalEpoch, staged.FirstCommitSeq, staged.LastCommitSeq));
        Given(decision.Events);
        _started = true;
        Assert.True(State.IsTelemetry);
        Assert.Equal(3, State.LastBatchSeq);
    }

    [Fact]
    public void A_batch_seq_accepted_before_is_a_duplicate_and_a_lower_one_never_accepted_is_stale_both_recorded_as_rejections()
    {
        GivenAcceptedSeqs(1, 4);
        var duplicate = Telemetry(1, withColumns: false);
        var decision = Decide(duplicate);
        Assert.Equal(RejectionCodes.DuplicateBatchSeq, decision.Rejection?.Code);
        Assert.Equal(RejectionCodes.DuplicateBatchSeq, Assert.IsType<BatchRejected>(Assert.Single(decision.Events)).Code);

        var stale = Decide(Telemetry(3, withColumns: false));
        Assert.Equal(RejectionCodes.StaleBatchSeq, stale.Rejection?.Code);
        Assert.Equal(RejectionCodes.StaleBatchSeq, Assert.IsType<BatchRejected>(Assert.Single(stale.Events)).Code);

        Assert.Equal(RejectionCodes.DuplicateBatchSeq, Decide(Telemetry(4, withColumns: false)).Rejection?.Code);
        Assert.Null(Decide(Telemetry(5, withColumns: false)).Rejection);
    }

    [Fact]
    public void Gaps_between_accepted_batch_seqs_are_allowed_and_counted()
    {
        GivenAcceptedSeqs(2, 3, 7, 10);
        Assert.Equal((10L, 5L), (State.LastBatchSeq!.Value, State.BatchSeqGaps));
        Assert.Equal(10, State.ServerWatermark);
    }

    [Fact]
    public void A_row_batch_to_a_telemetry_lineage_and_a_telemetry_batch_to_a_row_lineage_are_refused_as_invalid_capture_strategy()
    {
        GivenAcceptedSeqs(1);
        var rows = Ingested(Batch(1, 1));
        Assert.Equal(RejectionCodes.InvalidCaptureStrategy, rows.Rejection?.Code);
        Assert.IsType<BatchRejected>(Assert.Single(rows.Events));

        var rowLineage = LineageDecider.Decide(null, Ingest(Batch(1, 1)), Now);
        var refused = LineageDecider.Decide(Lineage.Fold(null, rowLineage.Events), Command(Telemetry(1)), Now);
        Assert.Equal(RejectionCodes.InvalidCaptureStrategy, refused.Rejection?.Code);
    }

    [Fact]
    public void Another_timestamp_column_than_the_lineage_was_created_with_is_refused()
    {
        GivenAcceptedSeqs(1);
        var batch = Telemetry(2, withColumns: false) with { TimestampColumn = "id" };
        Assert.Equal(RejectionCodes.InvalidTimestampColumn, Decide(batch).Rejection?.Code);
    }

    [Fact]
    public void A_pause_of_a_telemetry_lineage_carries_the_highest_accepted_batch_seq_as_its_watermark()
    {
        GivenAcceptedSeqs(1, 6);
        var pause = OperatorDecisions.Pause(State, new PauseLineage(LineageId, "maintenance", Operator), ControlId, Now);
        Assert.Equal(6, pause.Events.OfType<ControlIssued>().Single().ServerWatermark);
    }

    [Fact]
    public void Approval_binds_the_timestamp_column_to_ts_needs_no_key_and_maps_take_their_time_from_it()
    {
        var (plan, result) = ReviewDecisions.PlanBindings(null, _telemetry.Schema,
            [new ColumnAction("power", "mirror", null), new ColumnAction("voltage", "map", null, "meter.voltage"), new ColumnAction("note", "ignore", null)], "taken_at");
        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(new ColumnBinding("taken_at", BindingAction.Mirror, "ts"), plan!.Bindings[0]);
        Assert.Equal(new ColumnBinding("voltage", BindingAction.Map, null, "meter.voltage", "taken_at"), plan.Bindings.Single(b => b.SourceColumn == "voltage"));
        Assert.Equal(BindingAction.Defer, plan.Bindings.Single(b => b.SourceColumn == "id").Action);
        Assert.Equal(["power"], plan.MirrorColumns.Select(c => c.Name));
        Assert.False(plan.KeepsPaused);
    }

    [Theory]
    [InlineData("mirror", null, true)]
    [InlineData("mirror", "ts", true)]
    [InlineData("mirror", "taken", false)]
    [InlineData("ignore", null, false)]
    [InlineData("map", null, false)]
    [InlineData("defer", null, false)]
    public void The_timestamp_column_may_only_be_mirrored_to_ts_or_left_out(string action, string? mirrorAs, bool allowed)
    {
        var (_, result) = ReviewDecisions.PlanBindings(null, _telemetry.Schema,
            [new ColumnAction("taken_at", action, mirrorAs, action == "map" ? "p" : null)], "taken_at");
        Assert.Equal(allowed, result.Succeeded);
        if (!allowed)
            Assert.Equal("invalid_column_actions", result.Code);
    }

    [Fact]
    public void A_field_whose_default_name_is_a_time_series_column_gets_the_hashed_name()
    {
        var schema = new SchemaFingerprint("readings", [new SchemaColumn("row_id", "INTEGER", false, 0), new SchemaColumn("t", "TEXT", false, 0)]);
        var (plan, result) = ReviewDecisions.PlanBindings(null, schema, [new ColumnAction("row_id", "mirror", null)], "t");
        Assert.True(result.Succeeded, result.Detail);
        Assert.NotEqual("row_id", Assert.Single(plan!.MirrorColumns).Name);
    }

    [Fact]
    public void Journal_positions_of_telemetry_rows_increase_with_batch_seq_and_give_it_back()
    {
        Assert.True(TelemetryJournal.CommitSeqOf(0, 0) >= 1);
        Assert.True(TelemetryJournal.CommitSeqOf(5, 4095) < TelemetryJournal.CommitSeqOf(6, 0));
        Assert.Equal(WireLimits.MaxBatchSeq, TelemetryJournal.BatchSeqOf(TelemetryJournal.CommitSeqOf(WireLimits.MaxBatchSeq, 4095)));
        Assert.True(TelemetryJournal.CommitSeqOf(WireLimits.MaxBatchSeq, 4095) > 0);
    }
}
