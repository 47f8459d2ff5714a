using EdgeSync.Wire;

namespace EdgeSync.Lineages;

public sealed record ColumnChange(string Name, SchemaColumn Before, SchemaColumn After);

/// <summary>How a proposed schema differs from the accepted one, as a review shows it.</summary>
public sealed record SchemaDiff(IReadOnlyList<SchemaColumn> Added, IReadOnlyList<SchemaColumn> Removed, IReadOnlyList<ColumnChange> Changed)
{
    public static SchemaDiff Between(SchemaFingerprint? accepted, SchemaFingerprint? proposed)
    {
        var before = (accepted?.Columns ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var after = (proposed?.Columns ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        return new SchemaDiff(
            after.Values.Where(c => !before.ContainsKey(c.Name)).ToList(),
            before.Values.Where(c => !after.ContainsKey(c.Name)).ToList(),
            after.Values
                .Where(c => before.TryGetValue(c.Name, out var old) && old != c)
                .Select(c => new ColumnChange(c.Name, before[c.Name], c))
                .ToList());
    }
}
