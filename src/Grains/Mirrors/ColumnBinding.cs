namespace EdgeSync.Mirrors;

/// <summary>The approved fate of one source column.</summary>
public enum BindingAction
{
    Mirror,
    Map,
    Ignore,
    Defer,
}

/// <summary>
/// One source column's binding as an approval stored it. <see cref="MirrorColumn"/> is set for
/// <c>mirror</c>, <see cref="DataPoint"/> (and optionally <see cref="TimestampColumn"/>) for <c>map</c>.
/// </summary>
public sealed record ColumnBinding(string SourceColumn, BindingAction Action, string? MirrorColumn = null, string? DataPoint = null, string? TimestampColumn = null);
