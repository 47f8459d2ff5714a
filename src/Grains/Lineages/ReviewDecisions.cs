using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Storage;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>The bindings column actions give a schema, and the mirror columns they need.</summary>
public sealed record BindingPlan(IReadOnlyList<ColumnBinding> Bindings, IReadOnlyList<MirrorColumn> MirrorColumns, bool KeepsPaused);

/// <summary>
/// What an approval will do, worked out before the mirror table is provisioned.
/// <see cref="RequestedTableName"/>: the name the approval gives, else the lineage's current table
/// when it keeps its layout (so an evolution never moves to another name), else none (a default name).
/// </summary>
public sealed record ApprovalPlan(
    OpenReview Review, SchemaVersion Schema, BindingPlan Binding, string? RequestedTableName, Guid? RegistryDecisionId, MirrorLayout Layout = MirrorLayout.PerDevice)
{
    public IReadOnlyList<ColumnBinding> Bindings => Binding.Bindings;
    public IReadOnlyList<MirrorColumn> MirrorColumns => Binding.MirrorColumns;
    public bool KeepsPaused => Binding.KeepsPaused;
}

/// <summary>Pure decisions on operator review commands.</summary>
public static class ReviewDecisions
{
    public static Decision Claim(Lineage state, ClaimReview command, DateTimeOffset now)
    {
        if (OpenReviewOf(state, command.ReviewId) is not { } review)
            return Decision.Refused(ReviewNotOpen(command.ReviewId));
        if (review.State != ReviewState.Queued)
            return Decision.Refused(CommandResult.Conflict("review_not_queued", $"The review is {review.State}; only a queued review can be claimed."));
        return new Decision([new ReviewClaimed(state.Id, review.ReviewId, review.ActionVersion + 1, now, command.Actor)]);
    }

    public static Decision Reject(Lineage state, RejectReview command, DateTimeOffset now)
    {
        if (OpenReviewOf(state, command.ReviewId) is not { } review)
            return Decision.Refused(ReviewNotOpen(command.ReviewId));
        if (review.ActionVersion != command.ActionVersion)
            return Decision.Refused(StaleVersion(review));
        // The lineage stays paused and keeps its staged rows; the device is not told.
        return new Decision([new ReviewRejected(state.Id, review.ReviewId, command.Reason, review.ActionVersion + 1, now, command.Actor)]);
    }

    /// <param name="defaultLayout">The project's <c>default_mirror_layout</c>: the layout of a first mirror when the approval names none.</param>
    /// <param name="defaultLayout">The project's <c>default_mirror_layout</c>: the layout of a first mirror when the approval names none.</param>
    public static (ApprovalPlan? Plan, CommandResult Result) PlanApproval(Lineage state, ApproveReview command, MirrorLayout defaultLayout = MirrorLayout.PerDevice)
    {
        if (OpenReviewOf(state, command.ReviewId) is not { } review)
        {
            // A fleet approval reaching a lineage a second time (a resumed fan-out) finds its work done.
            var done = command.RegistryDecisionId is { } decision && state.RegistryDecisionId == decision;
            return (null, done ? CommandResult.Done : ReviewNotOpen(command.ReviewId));
        }
        if (command.RegistryDecisionId is null && review.ActionVersion != command.ActionVersion)
            return (null, StaleVersion(review));
        var layout = defaultLayout;
        if (command.MirrorLayout is { } named && !EnumNames.TryParse(named, out layout))
            return (null, CommandResult.Invalid("invalid_mirror_layout",
                $"mirror_layout must be one of {string.Join(", ", EnumNames.All<MirrorLayout>())}."));
        if (command.MirrorLayout is null && state.Mirror is { } current)
            layout = current.Layout;
        var schema = state.FindSchema(review.SchemaHash)!;
        if (schema.Columns is null)
            return (null, CommandResult.Conflict("review_columns_unknown",
                "The columns of this schema are not known yet; they arrive with sync/schema/observe or a batch carrying schema_columns."));
        var (binding, result) = PlanBindings(state, schema.Columns, command.ColumnActions, state.IsTelemetry ? state.TimestampColumn : null);
        if (binding is null)
            return (null, result);
        var requested = command.MirrorTableName ?? (state.Mirror is { } mirror && mirror.Layout == layout ? mirror.Name : null);
        return (new ApprovalPlan(review, schema, binding, requested, command.RegistryDecisionId, layout), CommandResult.Done);
    }

    /// <summary>
    /// What column actions make of a schema: a binding per column (unnamed columns are deferred),
    /// the mirror columns, and whether the lineage must stay paused (a NOT NULL column deferred).
    /// Refused, with every problem named, when an action names no column of the schema, no known
    /// action, or leaves a key column unmirrored. <paramref name="state"/> (null for a lineage not
    /// created yet) keeps the names its columns were mirrored under before.
    /// </summary>
    /// <param name="timestampColumn">
    /// The timestamp column of a telemetry lineage (null for rows): it becomes the time-series
    /// table's <c>ts</c> (its action must be <c>mirror</c> or none), no column needs to be mirrored
    /// as a key, <c>map</c> bindings take their time from it, and a field whose default mirror name
    /// would be <c>ts</c> or <c>row_id</c> gets the hashed name instead.
    /// </param>
    public static (BindingPlan? Plan, CommandResult Result) PlanBindings(
        Lineage? state, SchemaFingerprint schema, IReadOnlyList<ColumnAction> columnActions, string? timestampColumn = null)
    {
        var columns = schema.Columns;
        var byName = columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var duplicate in columnActions.GroupBy(a => a.SourceColumnName).Where(g => g.Count() > 1))
            problems.Add($"column '{duplicate.Key}' has more than one action");
        foreach (var action in columnActions.Where(a => !byName.ContainsKey(a.SourceColumnName)))
            problems.Add($"column '{action.SourceColumnName}' is not in the proposed schema");
        foreach (var action in columnActions.Where(a => !EnumNames.TryParse<BindingAction>(a.Action, out _)))
            problems.Add($"column '{action.SourceColumnName}' has no action named '{action.Action}'");
        var actions = columnActions.Where(a => byName.ContainsKey(a.SourceColumnName))
            .GroupBy(a => a.SourceColumnName).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var key in columns.Where(c => timestampColumn is null && c.PkOrdinal > 0 && (!actions.TryGetValue(c.Name, out var a) || ActionOf(a) != BindingAction.Mirror)))
            problems.Add($"key column '{key.Name}' must be mirrored");
        if (timestampColumn is not null && actions.TryGetValue(timestampColumn, out var timestampAction)
            && (ActionOf(timestampAction) != BindingAction.Mirror || timestampAction.MirrorColumnName is not null and not TimeSeriesColumn))
            problems.Add($"timestamp column '{timestampColumn}' becomes the time series' ts: its action must be mirror (to ts) or omitted");
        if (problems.Count > 0)
            return (null, CommandResult.Invalid("invalid_column_actions", string.Join("; ", problems)));

        var bindings = columns.Select(c => actions.TryGetValue(c.Name, out var a)
                ? new ColumnBinding(c.Name, ActionOf(a), a.MirrorColumnName, a.DataPoint, a.TimestampColumn ?? (ActionOf(a) == BindingAction.Map ? timestampColumn : null))
                : new ColumnBinding(c.Name, BindingAction.Defer))
            .Where(b => b.SourceColumn != timestampColumn)
            .ToList();
        var mirrored = bindings.Where(b => b.Action == BindingAction.Mirror).ToList();
        var names = MirrorColumnNames(state, mirrored);
        if (timestampColumn is not null)
        {
            foreach (var b in mirrored.Where(b => names[b.SourceColumn] is TimeSeriesColumn or RowIdColumn))
            {
                if (b.MirrorColumn is not null)
                    return (null, CommandResult.Invalid("invalid_column_actions", $"mirror column name '{b.MirrorColumn}' is a column of every time-series table"));
                names[b.SourceColumn] = MirrorNaming.HashedColumnName(b.SourceColumn);
            }
        }
        bindings = bindings.Select(b => b.Action == BindingAction.Mirror ? b with { MirrorColumn = names[b.SourceColumn] } : b).ToList();
        if (bindings.Where(b => b.MirrorColumn is not null).GroupBy(b => b.MirrorColumn).FirstOrDefault(g => g.Count() > 1) is { } clash)
            return (null, CommandResult.Invalid("invalid_column_actions", $"mirror column name '{clash.Key}' is given to more than one column"));

        var mirrorColumns = mirrored
            .Select(b => new MirrorColumn(names[b.SourceColumn], b.SourceColumn, byName[b.SourceColumn].DeclTypeAffinity, byName[b.SourceColumn].PkOrdinal))
            .ToList();
        var keepsPaused = columns.Any(c => c.Name != timestampColumn && c.NotNull && bindings.Single(b => b.SourceColumn == c.Name).Action == BindingAction.Defer);
        if (timestampColumn is not null)
        {
            // Key ordinals mean nothing in a time series; the timestamp column is bound to ts.
            mirrorColumns = mirrorColumns.Select(c => c with { KeyOrdinal = 0 }).ToList();
            bindings.Insert(0, new ColumnBinding(timestampColumn, BindingAction.Mirror, TimeSeriesColumn));
        }
        return (new BindingPlan(bindings, mirrorColumns, keepsPaused), CommandResult.Done);
    }

    /// <summary>The column of every time-series table that holds each row's time.</summary>
    public const string TimeSeriesColumn = "ts";

    /// <summary>The column of every time-series table that holds the device's row id.</summary>
    public const string RowIdColumn = "row_id";

    /// <summary>The events of an approval whose mirror table is provisioned as <paramref name="table"/>.</summary>
    public static Decision Approve(Lineage state, ApprovalPlan plan, MirrorTable table, Guid replayId, string actor, DateTimeOffset now)
    {
        var events = new List<LineageEvent>
        {
            new ReviewApproved(state.Id, plan.Review.ReviewId, plan.Schema.SchemaHash, plan.Bindings, table.Name, plan.Review.ActionVersion + 1, Automatic: false, now, actor,
                plan.RegistryDecisionId),
            new SchemaAccepted(state.Id, plan.Schema.SchemaHash, plan.Bindings, plan.Schema.Classification, now, actor, plan.RegistryDecisionId),
            new MirrorProvisioned(state.Id, table, now, actor),
        };
        if (!plan.KeepsPaused && state.PauseReasons.Contains(PauseReason.SchemaReview))
            events.Add(new LineageResumed(state.Id, PauseReason.SchemaReview, now, actor));
        if (state.HasStagedBacklog)
            events.Add(new ReplayStarted(state.Id, replayId, "approval", state.Counters.StagedRowCount, now, actor));
        return new Decision(events);
    }

    /// <summary>
    /// An explicit name wins; a column mirrored before under the same source name keeps its name;
    /// the rest get the sanitized default.
    /// </summary>
    private static Dictionary<string, string> MirrorColumnNames(Lineage? state, IReadOnlyList<ColumnBinding> mirrored)
    {
        var defaults = MirrorNaming.DefaultColumnNames(mirrored.Select(b => b.SourceColumn).ToList());
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < mirrored.Count; i++)
        {
            var binding = mirrored[i];
            var previous = state?.Bindings.FirstOrDefault(b => b.SourceColumn == binding.SourceColumn && b.Action == BindingAction.Mirror)?.MirrorColumn;
            names[binding.SourceColumn] = binding.MirrorColumn ?? previous ?? defaults[i];
        }
        return names;
    }

    /// <summary>The binding action an approval names; only called once every name is known to be one.</summary>
    private static BindingAction ActionOf(ColumnAction action) => EnumNames.TryParse<BindingAction>(action.Action, out var parsed) ? parsed : BindingAction.Defer;

    private static OpenReview? OpenReviewOf(Lineage state, Guid reviewId) =>
        state.OpenReview is { } review && review.ReviewId == reviewId ? review : null;

    private static CommandResult ReviewNotOpen(Guid reviewId) =>
        CommandResult.Conflict("review_not_open", $"Review {reviewId} is not the open review of its lineage (it was decided or superseded).");

    private static CommandResult StaleVersion(OpenReview review) =>
        CommandResult.Conflict("review_version_conflict", $"The review changed: its action_version is {review.ActionVersion}.");
}
