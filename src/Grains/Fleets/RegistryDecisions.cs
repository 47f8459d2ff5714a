using EdgeSync.Lineages;
using EdgeSync.Registry;
using EdgeSync.Storage;
using EdgeSync.Wire;

namespace EdgeSync.Fleets;

/// <summary>An open review of a schema as a decision finds it: where it is, and the version an approval must name.</summary>
public sealed record OpenReviewOfSchema(FanOutTarget Target, int ActionVersion);

/// <summary>Pure decisions of a project's schema registry: (what is stored, command, time) → events, or a refusal.</summary>
public static class RegistryDecisions
{
    /// <param name="inForce">
    /// The decision already in force for the command's table and schema, if any. A command with the
    /// same terms answers done with no events: the caller carries that decision out again.
    /// </param>
    /// <param name="columns">The schema's columns as some lineage of the project knows them (null: nobody sent them).</param>
    /// <param name="openReviews">Every open review of the table's schema in the project: the fan-out's targets.</param>
    /// <param name="timestampColumn">The timestamp column when the table is synchronized as a time series (null for rows).</param>
    public static (IReadOnlyList<RegistryEvent> Events, CommandResult Result) Record(
        Guid projectId, RecordRegistryDecision command, RegistryDecision? inForce, SchemaFingerprint? columns,
        IReadOnlyList<OpenReviewOfSchema> openReviews, MirrorLayout defaultLayout, Guid decisionId, DateTimeOffset now, string? timestampColumn = null)
    {
        if (inForce is not null)
        {
            // The same decision again is a retry whose answer was lost (the node running it died):
            // it answers the decision in force, and its fan-out is run again.
            return SameTerms(inForce, command, defaultLayout)
                ? ([], CommandResult.Done)
                : Refused(CommandResult.Conflict("registry_decision_exists",
                    $"Decision {inForce.Id} is in force for table '{command.SourceTable}' with schema {command.SchemaHash}; revoke it first."));
        }
        if (columns is null)
            return Refused(CommandResult.Conflict("schema_unknown",
                $"No device of this project has sent the columns of schema {command.SchemaHash} of table '{command.SourceTable}'."));
        if (command.FromReviewId is { } reviewId)
        {
            if (openReviews.FirstOrDefault(r => r.Target.ReviewId == reviewId) is not { } named)
                return Refused(CommandResult.Conflict("review_not_open", $"Review {reviewId} is not open (it was decided or superseded)."));
            if (named.ActionVersion != command.FromReviewActionVersion)
                return Refused(CommandResult.Conflict("review_version_conflict", $"The review changed: its action_version is {named.ActionVersion}."));
        }
        // A telemetry table's decision follows the time-series rule (its timestamp column becomes ts).
        var (plan, refused) = ReviewDecisions.PlanBindings(null, columns, command.ColumnActions, timestampColumn);
        if (plan is null)
            return Refused(refused);
        if (plan.KeepsPaused)
            return Refused(CommandResult.Invalid("invalid_column_actions",
                "a decision for the fleet cannot defer a NOT NULL column: every lineage it reaches would stay paused; mirror, map or ignore it"));
        var layout = defaultLayout;
        if (command.MirrorLayout is { } asked && !EnumNames.TryParse(asked, out layout))
            return Refused(CommandResult.Invalid("invalid_mirror_layout", $"mirror_layout must be one of {string.Join(", ", EnumNames.All<MirrorLayout>())}."));
        if (layout == MirrorLayout.PerDevice && command.MirrorTableName is not null)
            return Refused(CommandResult.Invalid("invalid_mirror_table_name",
                "with the per_device layout every device gets its own mirror table: a table name for the fleet needs mirror_layout 'coalesced'"));

        var targets = openReviews.Select(r => r.Target).ToList();
        return ([new RegistryDecisionRecorded(decisionId, projectId, command.SourceTable, command.SchemaHash, columns, command.ColumnActions,
            layout, command.MirrorTableName, targets, now, command.Actor)], CommandResult.Done);
    }

    private static bool SameTerms(RegistryDecision inForce, RecordRegistryDecision command, MirrorLayout defaultLayout) =>
        inForce.ColumnActions.SequenceEqual(command.ColumnActions)
        && inForce.MirrorTableName == command.MirrorTableName
        && (command.MirrorLayout is null ? inForce.MirrorLayout == defaultLayout : EnumNames.Of(inForce.MirrorLayout) == command.MirrorLayout);

    /// <summary>Revoking a revoked decision changes nothing.</summary>
    public static IReadOnlyList<RegistryEvent> Revoke(RegistryDecision state, string actor, DateTimeOffset now) =>
        state.InForce ? [new RegistryDecisionRevoked(state.Id, now, actor)] : [];

    /// <summary>A fan-out completes once; a second one (a resumed fan-out racing the first) changes nothing.</summary>
    public static IReadOnlyList<RegistryEvent> CompleteFanOut(RegistryDecision state, IReadOnlyList<Guid> approvedReviewIds, DateTimeOffset now) =>
        state.FanOutRunning ? [new RegistryFanOutCompleted(state.Id, approvedReviewIds, now, "system")] : [];

    private static (IReadOnlyList<RegistryEvent>, CommandResult) Refused(CommandResult result) => ([], result);
}
