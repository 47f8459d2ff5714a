using System.Text;
using EdgeSync.Escaping;

namespace EdgeSync.Mirrors;

/// <summary>
/// Quoting of identifiers that reach SQL text. Every device-supplied or configured name goes
/// through <see cref="Quote"/>; nothing else is ever interpolated into SQL.
/// </summary>
public static class PgIdentifier
{
    /// <summary>PostgreSQL's NAMEDATALEN - 1: longer identifiers would be silently truncated.</summary>
    public const int MaxBytes = 63;

    /// <summary>
    /// The identifier as a delimited (double-quoted) identifier, inner <c>"</c> doubled.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, contains U+0000, holds an unpaired
    /// surrogate, or is longer than <see cref="MaxBytes"/> bytes of UTF-8.</exception>
    public static string Quote(string name)
    {
        if (!IsQuotable(name, out var problem))
            throw new ArgumentException($"'{Printable(name)}' cannot be used as an identifier: {problem}", nameof(name));
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary><c>"schema"."name"</c>, both parts quoted by <see cref="Quote"/>.</summary>
    public static string Qualified(string schema, string name) => Quote(schema) + "." + Quote(name);

    /// <summary>True when <see cref="Quote"/> accepts <paramref name="name"/>.</summary>
    public static bool IsQuotable(string? name, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(name))
            problem = "it is empty";
        else if (name.Contains('\0'))
            problem = "it contains U+0000";
        else if (!IsWellFormed(name))
            problem = "it holds an unpaired surrogate";
        else if (Encoding.UTF8.GetByteCount(name) > MaxBytes)
            problem = $"it is longer than {MaxBytes} bytes of UTF-8";
        return problem is null;
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return false;
        }
        return true;
    }

    private static string Printable(string? name) =>
        name is null ? "(null)" : SafeText.Escape(SafeText.Cut(name, 80, "…"));
}
