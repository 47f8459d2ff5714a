namespace EdgeSync.Mirrors;

/// <summary>
/// Provisioning cannot make the existing mirror table fit the approved columns, or the wanted
/// name belongs to another source table. The approval answers 409 with <see cref="Code"/>.
/// </summary>
public sealed class MirrorConflictException(string code, string tableName, string message, string? column = null)
    : Exception(message)
{
    /// <summary>A column exists with another type; <see cref="Column"/> names it. A new <c>mirror_column_name</c> resolves it.</summary>
    public const string ColumnTypeConflict = "mirror_column_type_conflict";

    /// <summary>The existing table has another primary key. A new <c>mirror_table_name</c> resolves it.</summary>
    public const string PrimaryKeyChanged = "mirror_primary_key_changed";

    /// <summary>The requested name (or every candidate default name) is used by another relation or source table.</summary>
    public const string TableNameTaken = "mirror_table_name_taken";

    public string Code { get; } = code;
    public string TableName { get; } = tableName;
    public string? Column { get; } = column;
}
