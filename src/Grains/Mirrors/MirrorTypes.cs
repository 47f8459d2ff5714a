namespace EdgeSync.Mirrors;

/// <summary>docs/storage.md's type mapping from SQLite affinity to PostgreSQL.</summary>
public static class MirrorTypes
{
    public static string Of(string affinity) => affinity switch
    {
        "INTEGER" => "bigint",
        "REAL" => "double precision",
        "TEXT" => "text",
        "BLOB" => "bytea",
        "NUMERIC" => "numeric",
        _ => throw new ArgumentOutOfRangeException(nameof(affinity), affinity, "not a SQLite affinity"),
    };
}
