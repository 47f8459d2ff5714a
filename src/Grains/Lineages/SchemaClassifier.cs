using EdgeSync.Mirrors;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>Classifies an unaccepted schema against the accepted one and its bindings (docs/lineage.md).</summary>
public static class SchemaClassifier
{
    public static SchemaClassification Classify(SchemaFingerprint? accepted, IReadOnlyList<ColumnBinding> bindings, SchemaFingerprint? proposed)
    {
        if (proposed is null)
            return SchemaClassification.Unknown;
        if (accepted is null)
            return SchemaClassification.Ambiguous;

        var before = accepted.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var after = proposed.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var carried = bindings.Where(b => b.Action is BindingAction.Mirror or BindingAction.Map).Select(b => b.SourceColumn);

        if (!KeyOf(accepted).SequenceEqual(KeyOf(proposed), StringComparer.Ordinal))
            return SchemaClassification.Breaking;
        foreach (var name in carried)
        {
            if (!after.TryGetValue(name, out var now) || now.DeclTypeAffinity != before[name].DeclTypeAffinity)
                return SchemaClassification.Breaking;
        }

        bool SameAsBefore(SchemaColumn c) =>
            before.TryGetValue(c.Name, out var old) && old.DeclTypeAffinity == c.DeclTypeAffinity && old.PkOrdinal == c.PkOrdinal;

        if (proposed.Columns.All(SameAsBefore))
            return SchemaClassification.CompatibleMapped;

        var added = proposed.Columns.Where(c => !before.ContainsKey(c.Name)).ToList();
        var onlyAdded = accepted.Columns.All(c => after.ContainsKey(c.Name))
            && proposed.Columns.Where(c => before.ContainsKey(c.Name)).All(SameAsBefore);
        return onlyAdded && added.All(c => !c.NotNull && c.PkOrdinal == 0)
            ? SchemaClassification.CompatibleAdditive
            : SchemaClassification.Ambiguous;
    }

    private static IEnumerable<string> KeyOf(SchemaFingerprint schema) =>
        schema.Columns.Where(c => c.PkOrdinal > 0).OrderBy(c => c.PkOrdinal).Select(c => c.Name);
}
