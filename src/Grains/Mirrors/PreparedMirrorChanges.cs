namespace EdgeSync.Mirrors;

/// <summary>
/// Row changes with, when <see cref="MirrorWriter.Prepare"/> could make it, their conversion to
/// column values and the table (with the column types) it was made for.
/// </summary>
public sealed class PreparedMirrorChanges
{
    private readonly (MirrorTable Table, CollapsedChanges Collapsed)? _converted;

    internal PreparedMirrorChanges(IReadOnlyList<MirrorRowChange> changes, (MirrorTable Table, CollapsedChanges Collapsed)? converted)
    {
        Changes = changes;
        _converted = converted;
    }

    public IReadOnlyList<MirrorRowChange> Changes { get; }

    /// <summary>The conversion, when it was made for exactly these columns (names, sources, types and key).</summary>
    internal CollapsedChanges? ConvertedFor(MirrorTable resolved) =>
        _converted is { } converted && converted.Table.Name == resolved.Name && converted.Table.Columns.SequenceEqual(resolved.Columns)
            ? converted.Collapsed
            : null;
}
