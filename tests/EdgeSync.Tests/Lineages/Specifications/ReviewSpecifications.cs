using EdgeSync.Lineages;
using EdgeSync.Mirrors;

namespace EdgeSync.Tests.Lineages.Specifications;

[Trait("Category", "Fast")]
public sealed class ReviewSpecifications : LineageSpecification
{
    private string Hash => State.OpenReview!.SchemaHash;

    [Fact]
    public void Claiming_a_queued_review_puts_it_in_review_and_bumps_its_action_version()
    {
        GivenAFirstBatch();
        Then(ReviewDecisions.Claim(State, new ClaimReview(ReviewId, Operator), Now),
            new ReviewClaimed(LineageId, ReviewId, 2, Now, Operator));
    }

    [Fact]
    public void Claiming_a_review_that_is_not_the_open_one_is_refused()
    {
        GivenAFirstBatch();
        ThenRefused(ReviewDecisions.Claim(State, new ClaimReview(Guid.NewGuid(), Operator), Now), 409, "review_not_open");
    }

    [Fact]
    public void Claiming_a_review_twice_is_refused()
    {
        GivenAFirstBatch();
        Given(ReviewDecisions.Claim(State, new ClaimReview(ReviewId, Operator), Now).Events);
        ThenRefused(ReviewDecisions.Claim(State, new ClaimReview(ReviewId, Operator), Now), 409, "review_not_queued");
    }

    [Fact]
    public void Rejecting_with_a_stale_action_version_is_refused()
    {
        GivenAFirstBatch();
        Given(ReviewDecisions.Claim(State, new ClaimReview(ReviewId, Operator), Now).Events);
        ThenRefused(ReviewDecisions.Reject(State, new RejectReview(ReviewId, 1, "not ours", Operator), Now), 409, "review_version_conflict");
    }

    [Fact]
    public void Rejecting_closes_the_review_and_leaves_the_lineage_paused_with_its_rows_staged()
    {
        GivenAFirstBatch();
        var outcome = ReviewDecisions.Reject(State, new RejectReview(ReviewId, 1, "not ours", Operator), Now);
        Then(outcome, new ReviewRejected(LineageId, ReviewId, "not ours", 2, Now, Operator));

        Given(outcome.Events);
        Assert.Null(State.OpenReview);
        Assert.Equal([PauseReason.SchemaReview], State.PauseReasons);
        Assert.Equal(3, State.Counters.StagedRowCount);
    }

    [Fact]
    public void Approving_accepts_the_schema_provisions_the_mirror_lifts_the_review_pause_and_replays_the_backlog()
    {
        GivenAFirstBatch();
        var hash = Hash;
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1, Mirror("id"), Mirror("mode", "operating_mode"), new ColumnAction("setpoint", "ignore")));
        Assert.True(result.Succeeded, result.Detail);
        var table = MirrorTableOf(plan!);

        ColumnBinding[] bindings =
        [
            new("id", BindingAction.Mirror, "id"),
            new("mode", BindingAction.Mirror, "operating_mode"),
            new("setpoint", BindingAction.Ignore),
        ];
        Assert.Equal([new MirrorColumn("id", "id", "INTEGER", 1), new MirrorColumn("operating_mode", "mode", "TEXT", 0)], plan!.MirrorColumns);
        Then(ReviewDecisions.Approve(State, plan, table, ReplayId, Operator, Now),
            new ReviewApproved(LineageId, ReviewId, hash, bindings, table.Name, 2, Automatic: false, Now, Operator),
            new SchemaAccepted(LineageId, hash, bindings, SchemaClassification.Ambiguous, Now, Operator),
            new MirrorProvisioned(LineageId, table, Now, Operator),
            new LineageResumed(LineageId, PauseReason.SchemaReview, Now, Operator),
            new ReplayStarted(LineageId, ReplayId, "approval", 3, Now, Operator));
    }

    [Fact]
    public void Columns_the_approval_does_not_name_are_deferred()
    {
        GivenAFirstBatch();
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1, Mirror("id")));
        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(
            [new ColumnBinding("id", BindingAction.Mirror, "id"), new ColumnBinding("mode", BindingAction.Defer), new ColumnBinding("setpoint", BindingAction.Defer)],
            plan!.Bindings);
        Assert.False(plan.KeepsPaused);
    }

    public static TheoryData<string, ColumnAction[]> InvalidActions => new()
    {
        { "a column with two actions", [Mirror("id"), Mirror("mode"), new ColumnAction("mode", "ignore")] },
        { "a column the schema does not have", [Mirror("id"), Mirror("colour")] },
        { "a key column not mirrored", [new ColumnAction("id", "ignore"), Mirror("mode")] },
        { "one mirror name for two columns", [Mirror("id"), Mirror("mode", "x"), Mirror("setpoint", "x")] },
    };

    [Theory]
    [MemberData(nameof(InvalidActions))]
    public void An_approval_with_invalid_column_actions_is_refused_as_a_whole(string why, ColumnAction[] actions)
    {
        GivenAFirstBatch();
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(1, actions));
        Assert.Null(plan);
        Assert.True((result.Status, result.Code) == (400, "invalid_column_actions"), $"{why}: {result}");
    }

    [Fact]
    public void An_approval_with_a_stale_action_version_is_refused()
    {
        GivenAFirstBatch();
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 2));
        Assert.Null(plan);
        Assert.Equal((409, "review_version_conflict"), (result.Status, result.Code));
    }

    [Fact]
    public void A_schema_whose_columns_are_unknown_cannot_be_approved_yet()
    {
        Ingested(Batch(1, 2, withColumns: false));
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1));
        Assert.Null(plan);
        Assert.Equal((409, "review_columns_unknown"), (result.Status, result.Code));
    }
}
