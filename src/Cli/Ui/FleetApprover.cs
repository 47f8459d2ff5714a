using EdgeSync.Cli.Api;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// <c>f</c> on a schema group: the approve dialog for the group's example review, with the mirror layout, sent
/// with <c>scope: "project"</c> — one registry decision, and every open review of the schema approved under it.
/// </summary>
public sealed class FleetApprover(UiSession session, StatusLine status, Action changed)
{
    public void Approve(SchemaGroup group)
    {
        // The dialog starts from the example review as it is now and its lineage's bindings, as a single approval does.
        session.Call(status, "loading the example review", async ct =>
        {
            var review = (await session.Api.ReviewAsync(group.ExampleReviewId, ct)).As<ReviewDetail>();
            var lineage = (await session.Api.LineageAsync(review.LineageId, ct)).As<LineageDetail>();
            return (review, lineage);
        }, loaded =>
        {
            var (review, lineage) = loaded;
            if (!review.CanBeApproved)
            {
                // Decided or superseded since the list was loaded: the list shows the groups as they are now.
                session.ShowError(status, $"The example review of this group cannot be approved: it is {review.State}{(review.ProposedColumns is null ? " and its columns are not known yet" : "")}.");
                changed();
                return;
            }
            if (ApproveDialog.Ask(session, review, lineage, group) is not { } request)
            {
                status.Info("Not approved.");
                return;
            }
            var key = UiSession.NewIdempotencyKey();
            session.Call(status, $"approving {group.LineageCount} lineage(s) for the fleet", ct => session.Api.ApproveAsync(review.Id, request, key, ct), result =>
            {
                var approval = result.As<FleetApproval>();
                var decision = approval.Decision;
                status.Info($"Approved for the fleet: {approval.ApprovedReviewIds.Count} review(s) of {decision.SourceTable}, registry decision {decision.DecisionId} ({decision.MirrorLayout})"
                    + (decision.FanOut == "completed" ? "." : "; the rest are approved in the background."));
                changed();
            }, failed: e =>
            {
                // A conflict (the schema decided meanwhile, the review moved on): reload under the error box that says why.
                if (e is ApiException { Status: System.Net.HttpStatusCode.Conflict })
                    changed();
                return false;
            });
        });
    }
}
