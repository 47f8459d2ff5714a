using System.Text.Json;
using EdgeSync.Lineages;
using EdgeSync.Registry;
using EdgeSync.Tests.Infrastructure;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Lineages.Specifications;

/// <summary>
/// Given (the events so far) / When (a decision on the state they fold to) / Then (the events it
/// decides, or its refusal). Pure: no database, no grain. Events compare by type and value.
/// </summary>
public abstract class LineageSpecification
{
    protected static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    protected static readonly DeviceIdentity Device = new(Guid.Parse("0193a000-0000-7000-8000-000000000001"), Guid.Parse("0193a000-0000-7000-8000-000000000002"), "gw-1");
    protected static readonly Guid LineageId = Guid.Parse("0193a000-0000-7000-8000-0000000000a1");
    protected static readonly Guid ReviewId = Guid.Parse("0193a000-0000-7000-8000-0000000000b1");
    protected static readonly Guid ReplayId = Guid.Parse("0193a000-0000-7000-8000-0000000000c1");
    protected static readonly Guid ControlId = Guid.Parse("0193a000-0000-7000-8000-0000000000d1");
    protected const string DeviceActor = "device:gw-1";
    protected const string Operator = "operator:alice";
    protected const string SystemActor = "system";

    protected readonly BatchPayloads Payloads = new();
    private readonly List<LineageEvent> _history = [];

    /// <summary>The state the history so far folds to.</summary>
    protected Lineage State => Fold(_history);

    protected LineageSpecification Given(IEnumerable<LineageEvent> events)
    {
        _history.AddRange(events);
        return this;
    }

    /// <summary>Decides a row batch on the current state and takes its events into the history.</summary>
    protected Decision Ingested(RowBatch batch, EdgePolicy? policy = null)
    {
        var decision = LineageDecider.Decide(_history.Count == 0 ? null : State, Ingest(batch, policy), Now);
        _history.AddRange(decision.Events);
        return decision;
    }

    protected static IngestRows Ingest(RowBatch batch, EdgePolicy? policy = null) =>
        new(LineageId, ReviewId, ReplayId, ControlId, Device, batch, policy ?? new EdgePolicy());

    protected RowBatch Batch(long fromSeq, int count, bool withColumns = true)
    {
        var read = RowBatchReader.Read(System.Text.Encoding.UTF8.GetBytes(Payloads.BatchJson(BatchPayloads.Inserts(fromSeq, count), withColumns)));
        Assert.True(read.IsAccepted, read.ToString());
        return read.Value!;
    }

    /// <summary>A first batch of <paramref name="rows"/> rows: the lineage exists, its review is queued, it is paused and the rows are staged.</summary>
    protected void GivenAFirstBatch(int rows = 3) => Ingested(Batch(1, rows));

    /// <summary>The first batch's review claimed and approved with every column mirrored; its rows wait for the replay.</summary>
    protected void GivenAnApprovedLineage(int stagedRows = 3)
    {
        GivenAFirstBatch(stagedRows);
        Given(ReviewDecisions.Claim(State, new ClaimReview(ReviewId, Operator), Now).Events);
        var (plan, result) = ReviewDecisions.PlanApproval(State, Approval(actionVersion: 2));
        Assert.True(result.Succeeded, result.Detail);
        Given(ReviewDecisions.Approve(State, plan!, MirrorTableOf(plan!), ReplayId, Operator, Now).Events);
    }

    protected static ApproveReview Approval(int actionVersion, params ColumnAction[] actions) =>
        new(ReviewId, actionVersion, actions.Length > 0 ? actions : [Mirror("id"), Mirror("mode"), Mirror("setpoint")], null, Operator);

    protected static ColumnAction Mirror(string column, string? as_ = null) => new(column, "mirror", as_);

    protected static EdgeSync.Mirrors.MirrorTable MirrorTableOf(ApprovalPlan plan) => new("edge_mirror_gw_1_device_state", plan.MirrorColumns);

    /// <summary>The replay drained every staged row.</summary>
    protected void GivenTheBacklogReplayed()
    {
        var state = State;
        Given(ReplayDecisions.ChunkApplied(state, new ReplayChunk((int)state.Counters.StagedRowCount, state.Counters.StagedBytes, Payloads.Epoch,
            state.ServerWatermark), new EdgePolicy(), ControlId, Now).Events);
    }

    /// <summary>Decided these events, in this order (and refused nothing).</summary>
    protected static void Then(Decision decision, params LineageEvent[] expected)
    {
        Assert.True(decision.Result.Succeeded, $"{decision.Result.Code}: {decision.Result.Detail}");
        Assert.Equal(expected.Select(Describe).ToList(), decision.Events.Select(Describe).ToList());
    }

    /// <summary>Refused with this HTTP status and code, and nothing decided.</summary>
    protected static void ThenRefused(Decision decision, int status, string code)
    {
        Assert.Equal((false, status, code), (decision.Result.Succeeded, decision.Result.Status, decision.Result.Code));
        Assert.Empty(decision.Events);
    }

    private static string Describe(object e) => $"{e.GetType().Name} {JsonSerializer.Serialize(e, e.GetType())}";

    private static Lineage Fold(IEnumerable<LineageEvent> events) => Lineage.Fold(null, events);
}
