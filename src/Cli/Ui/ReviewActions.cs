using EdgeSync.Cli.Api;

namespace EdgeSync.Cli.Ui;

/// <summary>The keys that act on one schema review, shared by the review list and the review detail: c claim, a approve, x reject.</summary>
public sealed class ReviewActions(UiSession session, StatusLine status, CancellationToken alive)
{
    public static IReadOnlyList<(string Key, string Text)> Hints { get; } = [("c", "Claim"), ("a", "Approve"), ("x", "Reject")];

    /// <summary>Raised on the UI thread after a decision or claim succeeded.</summary>
    public event Action? Changed;

    public bool Handle(char key, Guid reviewId)
    {
        switch (key)
        {
            case 'c': Claim(reviewId); break;
            case 'a': Approve(reviewId); break;
            case 'x': Reject(reviewId); break;
            default: return false;
        }
        return true;
    }

    private void Claim(Guid reviewId)
    {
        var key = UiSession.NewIdempotencyKey();
        session.Call(status, "claiming the review", ct => session.Api.ClaimAsync(reviewId, key, ct), result =>
        {
            var review = result.As<ReviewDetail>();
            status.Info($"Claimed the review of {review.SourceTable}: {review.State}, action_version {review.ActionVersion}.");
            Changed?.Invoke();
        }, alive: alive);
    }

    private void Approve(Guid reviewId)
    {
        // The dialog starts from the review as it is now and the lineage's current bindings (kept by default).
        session.Call(status, "loading the review", async ct =>
        {
            var review = (await session.Api.ReviewAsync(reviewId, ct)).As<ReviewDetail>();
            var lineage = (await session.Api.LineageAsync(review.LineageId, ct)).As<LineageDetail>();
            return (review, lineage);
        }, loaded =>
        {
            var (review, lineage) = loaded;
            if (!review.CanBeApproved)
            {
                session.ShowError(status, review.ProposedColumns is null
                    ? $"This review cannot be approved yet: its columns are not known (they come with the device's next schema observation)."
                    : $"This review cannot be approved: it is {review.State}.");
                return;
            }
            if (ApproveDialog.Ask(session, review, lineage) is not { } request)
            {
                status.Info("Not approved.");
                return;
            }
            var key = UiSession.NewIdempotencyKey();
            session.Call(status, "approving", ct => session.Api.ApproveAsync(reviewId, request, key, ct), result =>
            {
                var approved = result.As<ReviewDetail>();
                status.Info($"Approved: rows of {approved.SourceTable} go to mirror table {approved.MirrorTableName}; staged rows are replayed.");
                Changed?.Invoke();
            }, alive: alive);
        }, alive: alive);
    }

    private void Reject(Guid reviewId)
    {
        if (PromptDialog.Ask(session, "Reject schema", "The lineage stays paused and keeps its staged rows. Reason (optional):", accept: "_Reject") is not { } reason)
            return;
        var key = UiSession.NewIdempotencyKey();
        session.Call(status, "rejecting", async ct =>
        {
            // The decision is made against the review's current action_version: a concurrent change is a clear 409.
            var review = (await session.Api.ReviewAsync(reviewId, ct)).As<ReviewDetail>();
            return (await session.Api.RejectAsync(reviewId, review.ActionVersion, reason.Length == 0 ? null : reason, key, ct)).As<ReviewDetail>();
        }, rejected =>
        {
            status.Info($"Rejected the schema of {rejected.SourceTable}: the lineage stays paused.");
            Changed?.Invoke();
        }, alive: alive);
    }
}
