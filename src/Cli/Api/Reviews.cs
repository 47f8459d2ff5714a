namespace EdgeSync.Cli.Api;

/// <summary>A row of <c>GET …/edge/schema-reviews</c>.</summary>
public sealed record ReviewSummary(
    Guid Id, Guid LineageId, Guid DeviceId, string SourceTable, string SchemaHash, string Classification,
    string State, int ActionVersion, bool Automatic, DateTimeOffset QueuedAt, DateTimeOffset UpdatedAt);

/// <summary>A row of <c>GET …/edge/schema-groups</c>: the open reviews of one table schema.</summary>
public sealed record SchemaGroup(
    string SourceTable, string SchemaHash, string Classification, IReadOnlyList<ColumnView>? ProposedColumns, IReadOnlyList<ColumnView>? AcceptedColumns,
    SchemaDiffView Diff, int LineageCount, int DeviceCount, long StagedRows, long StagedBytes, DateTimeOffset OldestWaitingSince, Guid ExampleReviewId);

/// <summary><c>GET …/edge/schema-reviews/{id}</c>: the proposed columns and what changed.</summary>
public sealed record ReviewDetail(
    Guid Id, Guid LineageId, Guid DeviceId, string SourceTable, string SchemaHash, string Classification,
    string State, int ActionVersion, IReadOnlyList<ColumnView>? ProposedColumns, IReadOnlyList<ColumnView>? AcceptedColumns,
    SchemaDiffView Diff, bool CanBeApproved, bool Automatic, string? MirrorTableName, string? DecisionReason, string? LastActor,
    DateTimeOffset QueuedAt, DateTimeOffset UpdatedAt);

public sealed record ColumnView(string Name, string DeclTypeAffinity, bool NotNull, int PkOrdinal)
{
    public bool IsKey => PkOrdinal > 0;
}

public sealed record SchemaDiffView(IReadOnlyList<ColumnView> Added, IReadOnlyList<ColumnView> Removed, IReadOnlyList<ColumnChangeView> Changed);

public sealed record ColumnChangeView(string Name, ColumnView Before, ColumnView After);

/// <summary>One column's decision in an approval (<c>column_actions[]</c>).</summary>
public sealed record ColumnAction(string SourceColumnName, string Action, string? MirrorColumnName = null, string? DataPoint = null, string? TimestampColumn = null)
{
    public static readonly IReadOnlyList<string> Actions = ["mirror", "map", "ignore", "defer"];
}

/// <summary><see cref="MirrorLayout"/>: <c>per_device</c>, <c>coalesced</c>, or null for the lineage's (or the project's default) layout.</summary>
public sealed record ApproveRequest(int ActionVersion, IReadOnlyList<ColumnAction> ColumnActions, string? MirrorTableName, string? MirrorLayout = null);
