namespace EdgeSync.Wire;

/// <summary>SQLite's type affinity of a declared column type, by SQLite's own rules (datatype3.html §3.1).</summary>
public static class SqliteAffinity
{
    public const string Integer = "INTEGER";
    public const string Text = "TEXT";
    public const string Blob = "BLOB";
    public const string Real = "REAL";
    public const string Numeric = "NUMERIC";

    /// <summary>The five affinities, the only values <c>decl_type_affinity</c> may take.</summary>
    public static IReadOnlyList<string> All { get; } = [Integer, Text, Blob, Real, Numeric];

    /// <summary>True when <paramref name="affinity"/> is exactly (case-sensitively) one of <see cref="All"/>.</summary>
    public static bool IsKnown(string? affinity) =>
        affinity is Integer or Text or Blob or Real or Numeric;

    /// <summary>
    /// The affinity of <paramref name="declaredType"/>, rules applied in SQLite's order:
    /// contains "INT" → INTEGER; else "CHAR", "CLOB" or "TEXT" → TEXT; else "BLOB" or no type →
    /// BLOB; else "REAL", "FLOA" or "DOUB" → REAL; else NUMERIC. Matching is case-insensitive for
    /// ASCII letters only, as in SQLite ("ıNT" is NUMERIC there, so it is here).
    /// </summary>
    public static string Of(string? declaredType)
    {
        var type = declaredType ?? string.Empty;
        if (Contains(type, "INT")) return Integer;
        if (Contains(type, "CHAR") || Contains(type, "CLOB") || Contains(type, "TEXT")) return Text;
        if (type.Length == 0 || Contains(type, "BLOB")) return Blob;
        if (Contains(type, "REAL") || Contains(type, "FLOA") || Contains(type, "DOUB")) return Real;
        return Numeric;
    }

    private static bool Contains(string type, string upperAsciiNeedle)
    {
        for (var start = 0; start + upperAsciiNeedle.Length <= type.Length; start++)
        {
            var match = true;
            for (var i = 0; i < upperAsciiNeedle.Length && match; i++)
                match = ToUpperAscii(type[start + i]) == upperAsciiNeedle[i];
            if (match) return true;
        }
        return false;
    }

    private static char ToUpperAscii(char c) => c is >= 'a' and <= 'z' ? (char)(c - ('a' - 'A')) : c;
}
