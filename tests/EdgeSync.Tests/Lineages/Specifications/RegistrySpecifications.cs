using EdgeSync.Fleets;
using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Registry;

namespace EdgeSync.Tests.Lineages.Specifications;

/// <summary>What a lineage does with a registry decision, and what the registry decides.</summary>
[Trait("Category", "Fast")]
public sealed class RegistrySpecifications : LineageSpecification
{
    private static readonly Guid DecisionId = Guid.Parse("0193a000-0000-7000-8000-0000000000e1");

    private RegistryAcceptance Acceptance(EdgeSync.Wire.RowBatch batch)
    {
        var (plan, result) = ReviewDecisions.PlanBindings(null, batch.SchemaColumns!, [Mirror("id"), Mirror("mode"), Mirror("setpoint")]);
        Assert.True(result.Succeeded, result.Detail);
        return new RegistryAcceptance(DecisionId, batch.SchemaHash, batch.SchemaColumns!, plan!.Bindings, new MirrorTable("edge_mirror_gw_1_device_state", plan.MirrorColumns));
    }

    [Fact]
    public void A_new_lineage_whose_schema_has_a_registry_decision_is_accepted_with_its_bindings_and_writes_its_first_batch()
    {
        var batch = Batch(1, 3);
        var decision = LineageDecider.Decide(null, Ingest(batch) with { Registry = Acceptance(batch) }, Now);

        Assert.Equal(["LineageCreated", "SchemaObserved", "SchemaAccepted", "MirrorProvisioned", "BatchMaterialized"],
            decision.Events.Select(e => e.GetType().Name));
        Assert.Equal(DecisionId, decision.Events.OfType<SchemaAccepted>().Single().RegistryDecisionId);
        Assert.Equal(3, decision.Write!.Rows.Count);
        Assert.Empty(decision.RowsToStage);
        Given(decision.Events);
        Assert.Equal((LineageStatus.Active, DecisionId), (State.Status, State.RegistryDecisionId));
    }

    [Fact]
    public void A_review_left_open_for_the_decided_schema_is_approved_under_the_decision_and_its_backlog_replayed()
    {
        GivenAFirstBatch();
        var batch = Batch(4, 2);
        var decision = LineageDecider.Decide(State, Ingest(batch) with { Registry = Acceptance(batch) }, Now);

        Assert.Equal(["ReviewApproved", "SchemaAccepted", "MirrorProvisioned", "LineageResumed", "ReplayStarted", "BatchStaged"],
            decision.Events.Select(e => e.GetType().Name));
        var approved = decision.Events.OfType<ReviewApproved>().Single();
        Assert.Equal((ReviewId, DecisionId, true), (approved.ReviewId, approved.RegistryDecisionId, approved.Automatic));
        Given(decision.Events);
        Assert.Equal((LineageStatus.Active, (OpenReview?)null, true, 5L), (State.Status, State.OpenReview, State.IsReplaying, State.Counters.StagedRowCount));
    }

    [Fact]
    public void A_fleet_approval_reaching_a_lineage_again_answers_done_and_decides_nothing()
    {
        GivenAFirstBatch();
        var approval = Approval(actionVersion: 99) with { RegistryDecisionId = DecisionId };
        var (plan, result) = ReviewDecisions.PlanApproval(State, approval);
        Assert.True(result.Succeeded, result.Detail);
        Given(ReviewDecisions.Approve(State, plan!, MirrorTableOf(plan!), ReplayId, Operator, Now).Events);
        Assert.Equal(DecisionId, State.RegistryDecisionId);

        var (again, answer) = ReviewDecisions.PlanApproval(State, approval);
        Assert.Null(again);
        Assert.True(answer.Succeeded);
        var (other, refused) = ReviewDecisions.PlanApproval(State, approval with { RegistryDecisionId = Guid.NewGuid() });
        Assert.Null(other);
        Assert.Equal("review_not_open", refused.Code);
    }

    [Fact]
    public void The_registry_answers_the_same_decision_again_and_refuses_other_terms_an_unknown_schema_a_deferred_not_null_column_and_a_table_name_per_device()
    {
        var columns = Batch(1, 1).SchemaColumns!;
        var command = new RecordRegistryDecision("device_state", "h1", [Mirror("id"), Mirror("mode"), Mirror("setpoint")], null, null, Operator);
        var recorded = RegistryDecisions.Record(Device.ProjectId, command, null, columns, [], MirrorLayout.PerDevice, DecisionId, Now);
        var inForce = RegistryDecision.Fold(null, recorded.Events);

        var again = RegistryDecisions.Record(Device.ProjectId, command, inForce, columns, [], MirrorLayout.PerDevice, Guid.NewGuid(), Now);
        Assert.Equal((true, 0), (again.Result.Succeeded, again.Events.Count));
        Assert.Equal("registry_decision_exists", RegistryDecisions.Record(Device.ProjectId, command with { MirrorLayout = "coalesced" }, inForce, columns, [],
            MirrorLayout.PerDevice, Guid.NewGuid(), Now).Result.Code);
        Assert.Equal("schema_unknown", RegistryDecisions.Record(Device.ProjectId, command, null, null, [], MirrorLayout.PerDevice, DecisionId, Now).Result.Code);
        Assert.Equal("invalid_mirror_table_name",
            RegistryDecisions.Record(Device.ProjectId, command with { MirrorTableName = "meters" }, null, columns, [], MirrorLayout.PerDevice, DecisionId, Now).Result.Code);
        Assert.True(RegistryDecisions.Record(Device.ProjectId, command with { MirrorTableName = "meters", MirrorLayout = "coalesced" }, null, columns, [],
            MirrorLayout.PerDevice, DecisionId, Now).Result.Succeeded);
        var notNullDeferred = columns with { Columns = [.. columns.Columns.Select(c => c.Name == "mode" ? c with { NotNull = true } : c)] };
        Assert.Equal("invalid_column_actions", RegistryDecisions.Record(Device.ProjectId, command with { ColumnActions = [Mirror("id"), Mirror("setpoint")] },
            null, notNullDeferred, [], MirrorLayout.PerDevice, DecisionId, Now).Result.Code);
    }

    [Fact]
    public void A_revoked_decision_is_no_longer_in_force_and_revoking_it_again_changes_nothing()
    {
        var columns = Batch(1, 1).SchemaColumns!;
        var command = new RecordRegistryDecision("device_state", "h1", [Mirror("id"), Mirror("mode"), Mirror("setpoint")], null, null, Operator);
        var target = new OpenReviewOfSchema(new FanOutTarget(ReviewId, LineageId, Device.DeviceId), 1);
        var state = RegistryDecision.Fold(null, RegistryDecisions.Record(Device.ProjectId, command with { FromReviewId = ReviewId, FromReviewActionVersion = 1 },
            null, columns, [target], MirrorLayout.PerDevice, DecisionId, Now).Events);
        Assert.Equal((true, true, 1), (state.InForce, state.FanOutRunning, state.Targets.Count));
        Assert.NotNull(state.InForceKey);

        state = RegistryDecision.Fold(state, RegistryDecisions.Revoke(state, Operator, Now));
        Assert.Equal((false, (string?)null, 2L), (state.InForce, state.InForceKey, state.Version));
        Assert.Empty(RegistryDecisions.Revoke(state, Operator, Now));
    }
}
