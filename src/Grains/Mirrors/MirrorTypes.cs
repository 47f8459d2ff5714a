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

    /// <summary>
    /// The affinity whose conversion suits a column of <paramref name="actualType"/> (as
    /// <c>format_type</c> spells it): integers, floating point, numeric, character types and bytea
    /// by their family; any other type takes text, which PostgreSQL casts (and refuses, as a
    /// permanent error, when the text does not fit).
    /// </summary>
    public static string TransportAffinity(string actualType) => actualType switch
    {
        "bigint" or "integer" or "smallint" => "INTEGER",
        "double precision" or "real" => "REAL",
        "bytea" => "BLOB",
        _ when actualType.StartsWith("numeric", StringComparison.Ordinal) => "NUMERIC",
        _ => "TEXT",
    };

    /// <summary>The type a value of <paramref name="affinity"/> travels as (NUMERIC travels as text and is cast).</summary>
    public static string TransportName(string affinity) => affinity == "NUMERIC" ? "text" : Of(affinity);
}
