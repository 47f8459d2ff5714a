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
        }, failed: ReloadOnConflict, alive: alive);
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
            }, failed: ReloadOnConflict, alive: alive);
        }, alive: alive);
    }

    private void Reject(Guid reviewId)
    {
        // The prompt names what is rejected, and the decision is made against the action_version the operator
        // saw when it opened: a claim or decision by someone else while the reason was typed is a clear 409.
        session.Call(status, "loading the review", async ct =>
        {
            var review = (await session.Api.ReviewAsync(reviewId, ct)).As<ReviewDetail>();
            var lineage = (await session.Api.LineageAsync(review.LineageId, ct)).As<LineageDetail>();
            return (review, LineageRef.Of(lineage));
        }, loaded =>
        {
            var (review, lineage) = loaded;
            if (review.State is not ("queued" or "in_review"))
            {
                // Decided or superseded: no reason to ask for.
                session.ShowError(status, $"This review cannot be rejected: it is {review.State}.");
                return;
            }
            if (PromptDialog.Ask(session, $"Reject schema — {review.SourceTable}",
                    $"Reject the schema of {lineage.Label} ({review.State}, action_version {review.ActionVersion})?\n"
                    + "The lineage stays paused and keeps its staged rows. Reason (optional):",
                    accept: "_Reject") is not { } reason)
            {
                status.Info("Not rejected.");
                return;
            }
            var key = UiSession.NewIdempotencyKey();
            session.Call(status, "rejecting", ct => session.Api.RejectAsync(reviewId, review.ActionVersion, reason.Length == 0 ? null : reason, key, ct), result =>
            {
                var rejected = result.As<ReviewDetail>();
                status.Info($"Rejected the schema of {rejected.SourceTable}: the lineage stays paused.");
                Changed?.Invoke();
            }, failed: ReloadOnConflict, alive: alive);
        }, alive: alive);
    }

    /// <summary>
    /// A 409 means the review is not what the screen showed (claimed, decided or changed by someone else):
    /// the screen reloads so the operator sees what it is now, under the error box that says why.
    /// </summary>
    private bool ReloadOnConflict(CliException e)
    {
        if (e is ApiException { Status: System.Net.HttpStatusCode.Conflict })
            Changed?.Invoke();
        return false;
    }
}
