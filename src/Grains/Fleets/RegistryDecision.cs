using System.Collections.Frozen;
using EdgeSync.Lineages;
using EdgeSync.Registry;
using EdgeSync.Wire;

namespace EdgeSync.Fleets;

// A registry decision: its events (one stream per decision), and its state as their fold, stored as
// the document the API lists and lineages look up.

public abstract record RegistryEvent;

/// <param name="Targets">The open reviews of the schema when the decision was recorded: its fan-out approves them.</param>
public sealed record RegistryDecisionRecorded(
    Guid DecisionId, Guid ProjectId, string SourceTable, string SchemaHash, SchemaFingerprint Columns, IReadOnlyList<ColumnAction> ColumnActions,
    MirrorLayout MirrorLayout, string? MirrorTableName, IReadOnlyList<FanOutTarget> Targets, DateTimeOffset At, string Actor) : RegistryEvent;

/// <summary>Every lineage the decision was meant for was reached; <paramref name="ApprovedReviewIds"/> are the reviews it approved.</summary>
public sealed record RegistryFanOutCompleted(Guid DecisionId, IReadOnlyList<Guid> ApprovedReviewIds, DateTimeOffset At, string Actor) : RegistryEvent;

/// <summary>No lineage accepts the schema by this decision any more; those that did keep their bindings.</summary>
public sealed record RegistryDecisionRevoked(Guid DecisionId, DateTimeOffset At, string Actor) : RegistryEvent;

/// <summary>An open review a fan-out approves, with what routes the approval to its lineage.</summary>
public sealed record FanOutTarget(Guid ReviewId, Guid LineageId, Guid DeviceId);

public static class RegistryEventNames
{
    public static readonly FrozenDictionary<Type, string> ByType = new Dictionary<Type, string>
    {
        [typeof(RegistryDecisionRecorded)] = "registry_decision_recorded",
        [typeof(RegistryFanOutCompleted)] = "registry_fan_out_completed",
        [typeof(RegistryDecisionRevoked)] = "registry_decision_revoked",
    }.ToFrozenDictionary();
}

public sealed class RegistryDecision
{
    public Guid Id { get; set; }
    public Guid ProjectId { get; set; }
    public string SourceTable { get; set; } = "";
    public string SchemaHash { get; set; } = "";
    public SchemaFingerprint Columns { get; set; } = new("", []);
    public List<ColumnAction> ColumnActions { get; set; } = [];
    public MirrorLayout MirrorLayout { get; set; }
    public string? MirrorTableName { get; set; }
    public List<FanOutTarget> Targets { get; set; } = [];
    public DateTimeOffset DecidedAt { get; set; }
    public string DecidedBy { get; set; } = "";
    public DateTimeOffset? FanOutCompletedAt { get; set; }
    public List<Guid> ApprovedReviewIds { get; set; } = [];
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
    /// <summary>
    /// Unique while the decision is in force and null once revoked: the database itself refuses a
    /// second decision in force for the same table's schema.
    /// </summary>
    public string? InForceKey { get; set; }
    public long Version { get; set; }

    public bool InForce => RevokedAt is null;
    public bool FanOutRunning => FanOutCompletedAt is null;

    public static string KeyOf(Guid projectId, string sourceTable, string schemaHash) => $"{projectId:N}/{schemaHash}/{sourceTable}";

    public static RegistryDecision Fold(RegistryDecision? state, IEnumerable<RegistryEvent> events)
    {
        foreach (var e in events)
        {
            state = e switch
            {
                RegistryDecisionRecorded x => Create(x),
                _ => state ?? throw new InvalidOperationException($"{e.GetType().Name} before the decision was recorded"),
            };
            state.Apply(e);
            state.Version++;
        }
        return state ?? throw new ArgumentException("no events", nameof(events));
    }

    private static RegistryDecision Create(RegistryDecisionRecorded e) => new()
    {
        Id = e.DecisionId,
        ProjectId = e.ProjectId,
        SourceTable = e.SourceTable,
        SchemaHash = e.SchemaHash,
        Columns = e.Columns,
        ColumnActions = [.. e.ColumnActions],
        MirrorLayout = e.MirrorLayout,
        MirrorTableName = e.MirrorTableName,
        Targets = [.. e.Targets],
        DecidedAt = e.At,
        DecidedBy = e.Actor,
        InForceKey = KeyOf(e.ProjectId, e.SourceTable, e.SchemaHash),
    };

    private void Apply(RegistryEvent e)
    {
        switch (e)
        {
            case RegistryFanOutCompleted x:
                FanOutCompletedAt = x.At;
                ApprovedReviewIds = [.. x.ApprovedReviewIds];
                break;
            case RegistryDecisionRevoked x:
                RevokedAt = x.At;
                RevokedBy = x.Actor;
                InForceKey = null;
                break;
        }
    }
}
