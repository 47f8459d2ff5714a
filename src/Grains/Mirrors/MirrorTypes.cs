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

    /// <summary>
    /// Whether a value of <paramref name="affinity"/> needs an explicit cast to <paramref name="actualType"/>.
    /// Text for a character column is left to the insert's own assignment: an explicit cast to
    /// <c>varchar(n)</c> or <c>char(n)</c> would cut an overlong value silently, the assignment
    /// refuses it (22001), a row's error like any other.
    /// </summary>
    public static bool NeedsCast(string affinity, string actualType) =>
        TransportName(affinity) != actualType && !(affinity == "TEXT" && actualType.StartsWith("character", StringComparison.Ordinal));
}
