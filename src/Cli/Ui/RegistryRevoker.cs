using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// <c>v</c> on a registry decision (the list and the detail): asks first, naming the decision, then revokes it.
/// Devices that send the schema afterwards queue a review; lineages accepted under it keep their bindings.
/// </summary>
public sealed class RegistryRevoker(UiSession session, StatusLine status, Action changed, CancellationToken alive)
{
    public void Revoke(Guid decisionId)
    {
        // The prompt shows the decision as it is now, not as a list loaded a while ago showed it.
        session.Call(status, "loading the decision", ct => session.Api.RegistryDecisionAsync(decisionId, ct), result =>
        {
            var decision = result.As<RegistryDecision>();
            if (!decision.InForce)
            {
                session.ShowError(status, $"This decision is already revoked ({Cells.Time(decision.RevokedAt)} by {decision.RevokedBy}).");
                changed();
                return;
            }
            var question = $"Revoke the registry decision for {decision.SourceTable} (schema {Cells.ShortHash(decision.SchemaHash)}, {decision.MirrorLayout})?\n"
                + "Devices that send this schema later queue a review again; the lineages accepted under it keep their bindings.";
            if (!ConfirmDialog.Ask(session, $"Revoke registry decision — {decision.SourceTable}", question, "_Revoke"))
            {
                status.Info("Not revoked.");
                return;
            }
            var key = UiSession.NewIdempotencyKey();
            session.Call(status, "revoking", ct => session.Api.RevokeDecisionAsync(decisionId, key, ct), revoked =>
            {
                var after = revoked.As<RegistryDecision>();
                status.Info($"Revoked the registry decision for {after.SourceTable}: devices that send this schema queue a review again.");
                changed();
            }, alive: alive);
        }, alive: alive);
    }
}
