using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// A project's standing decision for a table's schema, as a lineage needs it: whoever records the
/// decisions (the schema registry) answers these lookups.
/// </summary>
/// <param name="Columns">The schema the decision was made for (the hash names exactly these columns).</param>
public sealed record RegistryDecisionTerms(
    Guid DecisionId, string SourceTable, string SchemaHash, SchemaFingerprint Columns, IReadOnlyList<ColumnAction> ColumnActions, MirrorLayout Layout,
    string? MirrorTableName);

/// <summary>Finds the decision in force for a table's schema in a project.</summary>
public interface IRegistryDecisionLookup
{
    /// <summary>The decision for (<paramref name="sourceTable"/>, <paramref name="schemaHash"/>) that is not revoked, if any.</summary>
    Task<RegistryDecisionTerms?> FindAsync(Guid projectId, string sourceTable, string schemaHash, CancellationToken ct = default);
}

/// <summary>
/// A registry decision worked out for one lineage before it decides on a batch: its bindings and the
/// mirror table provisioned for them. The decider then accepts the batch's schema with no review.
/// </summary>
public sealed record RegistryAcceptance(Guid DecisionId, string SchemaHash, SchemaFingerprint Columns, IReadOnlyList<ColumnBinding> Bindings, MirrorTable Mirror);
