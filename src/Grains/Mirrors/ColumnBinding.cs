namespace EdgeSync.Mirrors;

/// <summary>The approved fate of one source column.</summary>
public static class BindingAction
{
    public const string Mirror = "mirror";
    public const string Map = "map";
    public const string Ignore = "ignore";
    public const string Defer = "defer";
}

/// <summary>
/// One source column's binding as an approval stored it. <see cref="MirrorColumn"/> is set for
/// <c>mirror</c>, <see cref="DataPoint"/> (and optionally <see cref="TimestampColumn"/>) for <c>map</c>.
/// </summary>
public sealed record ColumnBinding(string SourceColumn, string Action, string? MirrorColumn = null, string? DataPoint = null, string? TimestampColumn = null);
