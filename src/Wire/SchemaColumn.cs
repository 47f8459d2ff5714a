namespace EdgeSync.Wire;

/// <summary>
/// One column of a <see cref="SchemaFingerprint"/>, as <c>PRAGMA table_info</c> reports it.
/// Wire names: <c>name</c>, <c>decl_type_affinity</c> (see <see cref="SqliteAffinity"/>),
/// <c>not_null</c>, <c>pk_ordinal</c> (0 for non-key columns, 1..N in key order).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SchemaColumn(
    [Id(0)] string Name,
    [Id(1)] string DeclTypeAffinity,
    [Id(2)] bool NotNull,
    [Id(3)] int PkOrdinal);
