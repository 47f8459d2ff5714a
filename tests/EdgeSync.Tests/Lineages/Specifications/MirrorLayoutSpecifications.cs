using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Lineages.Specifications;

/// <summary>Which layout, and which table name, an approval asks provisioning for.</summary>
[Trait("Category", "Fast")]
public sealed class MirrorLayoutSpecifications : LineageSpecification
{
    [Fact]
    public void An_approval_naming_no_layout_takes_the_projects_default_for_a_first_mirror()
    {
        GivenAFirstBatch();
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1), MirrorLayout.Coalesced);
        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(MirrorLayout.Coalesced, plan!.Layout);
        Assert.Null(plan.RequestedTableName);

        var (perDevice, _) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1));
        Assert.Equal(MirrorLayout.PerDevice, perDevice!.Layout);
    }

    [Fact]
    public void A_layout_named_by_the_approval_wins_over_the_projects_default()
    {
        GivenAFirstBatch();
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1) with { MirrorLayout = "per_device" }, MirrorLayout.Coalesced);
        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(MirrorLayout.PerDevice, plan!.Layout);
    }

    [Theory]
    [InlineData("fleet")]
    [InlineData("Coalesced")]
    [InlineData("")]
    public void An_unknown_layout_is_refused_as_invalid(string layout)
    {
        GivenAFirstBatch();
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1) with { MirrorLayout = layout });
        Assert.Null(plan);
        Assert.Equal((400, "invalid_mirror_layout"), (result.Status, result.Code));
    }

    [Fact]
    public void A_later_approval_naming_no_layout_keeps_the_mirrors_layout_and_table_whatever_the_default()
    {
        GivenACoalescedLineageWithASecondReview();
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1, Mirror("id"), Mirror("mode")), MirrorLayout.PerDevice);
        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(MirrorLayout.Coalesced, plan!.Layout);
        Assert.Equal("edge_fleet_acme_device_state", plan.RequestedTableName);
    }

    [Fact]
    public void A_later_approval_that_changes_the_layout_asks_for_a_new_table()
    {
        GivenACoalescedLineageWithASecondReview();
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1, Mirror("id"), Mirror("mode")) with { MirrorLayout = "per_device" });
        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(MirrorLayout.PerDevice, plan!.Layout);
        Assert.Null(plan.RequestedTableName);
    }

    [Fact]
    public void The_provisioned_table_keeps_its_layout_in_the_lineage_state()
    {
        GivenACoalescedLineageWithASecondReview();
        Assert.Equal(MirrorLayout.Coalesced, State.Mirror!.Layout);
        Assert.True(State.Mirror.IsCoalesced);
    }

    /// <summary>Approved into a coalesced table; then the device dropped a mirrored column, which opens a second review.</summary>
    private void GivenACoalescedLineageWithASecondReview()
    {
        GivenAFirstBatch();
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 1) with { MirrorLayout = "coalesced" });
        Assert.True(result.Succeeded, result.Detail);
        Given(ReviewDecisions.Approve(State, plan!, new MirrorTable("edge_fleet_acme_device_state", plan!.MirrorColumns, plan.Layout), ReplayId, Operator, Now).Events);
        var json = Payloads.Batch(Infrastructure.BatchPayloads.Inserts(10, 1));
        foreach (var row in json["rows"]!.AsArray())
            row!["row"]!.AsObject().Remove("setpoint");
        var schema = new SchemaFingerprint(Payloads.Table, Payloads.Schema.Columns.Where(c => c.Name != "setpoint").ToList());
        json["schema_hash"] = schema.ComputeHash();
        json["schema_columns"] = System.Text.Json.Nodes.JsonNode.Parse(schema.ToCanonicalJson());
        var read = RowBatchReader.Read(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
        Assert.True(read.IsAccepted, read.ToString());
        Ingested(read.Value!);
        Assert.NotNull(State.OpenReview);
    }
}
