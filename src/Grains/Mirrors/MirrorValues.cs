using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeSync.Wire;
using NpgsqlTypes;

namespace EdgeSync.Mirrors;

/// <summary>
/// Conversion of wire JSON values (docs/device-protocol.md, "Value encoding") to the CLR values written
/// to a mirror column, by the column's SQLite affinity:
/// <list type="table">
/// <item><term>INTEGER → bigint</term><description>a JSON integer within 64 bits; a number with a fraction or exponent, or a string, is an error.</description></item>
/// <item><term>REAL → double precision</term><description>any finite JSON number.</description></item>
/// <item><term>TEXT → text</term><description>a string; a JSON number is written as its JSON text (TEXT affinity stores numbers as text).</description></item>
/// <item><term>BLOB → bytea</term><description>a base64 string.</description></item>
/// <item><term>NUMERIC → numeric</term><description>a JSON number, or a string in JSON number syntax (an optional leading '+' allowed); carried as text and cast by PostgreSQL, so no precision is lost.</description></item>
/// </list>
/// JSON null is NULL; true/false, objects and arrays are errors.
/// </summary>
internal static partial class MirrorValues
{
    [GeneratedRegex(@"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex NumericText();

    public static NpgsqlDbType TransportType(string affinity) => affinity switch
    {
        SqliteAffinity.Integer => NpgsqlDbType.Bigint,
        SqliteAffinity.Real => NpgsqlDbType.Double,
        SqliteAffinity.Text => NpgsqlDbType.Text,
        SqliteAffinity.Blob => NpgsqlDbType.Bytea,
        SqliteAffinity.Numeric => NpgsqlDbType.Text, // cast to numeric in SQL
        _ => throw new ArgumentOutOfRangeException(nameof(affinity), affinity, "not a SQLite affinity"),
    };

    // Each converter takes a value that is not JSON null and returns why it cannot be converted, or null.

    /// <summary>A JSON integer within 64 bits; a number with a fraction or exponent, or a string, is an error.</summary>
    public static string? ToInteger(WireScalar value, out long result)
    {
        // A JSON number literal parses as an integer exactly when it has no fraction or exponent
        // and fits 64 bits, as JsonElement.TryGetInt64 decides.
        if (value.Kind == JsonValueKind.Number && long.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result))
            return null;
        result = 0;
        return value.Kind == JsonValueKind.Number
            ? $"{Preview(value)} is not an integer within 64 bits"
            : $"expected a JSON integer, got {Kind(value)}";
    }

    /// <summary>Any finite JSON number.</summary>
    public static string? ToReal(WireScalar value, out double result)
    {
        if (value.Kind == JsonValueKind.Number && double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out result) && double.IsFinite(result))
            return null;
        result = 0;
        return value.Kind == JsonValueKind.Number
            ? $"{Preview(value)} is out of the range of double precision"
            : $"expected a JSON number, got {Kind(value)}";
    }

    /// <summary>A string; a JSON number is written as its JSON text (TEXT affinity stores numbers as text).</summary>
    public static string? ToText(WireScalar value, out string? result)
    {
        result = value.Kind is JsonValueKind.String or JsonValueKind.Number ? value.Text : null;
        return result is not null ? null : $"expected a JSON string, got {Kind(value)}";
    }

    /// <summary>A base64 string.</summary>
    public static string? ToBlob(WireScalar value, out byte[]? result)
    {
        result = null;
        if (value.Kind != JsonValueKind.String)
            return $"expected a base64 string, got {Kind(value)}";
        if (TryBase64(value.Text!, out var bytes))
        {
            result = bytes;
            return null;
        }
        return "the string is not valid base64";
    }

    /// <summary>A JSON number, or a string in JSON number syntax (an optional leading '+' allowed), kept as text.</summary>
    public static string? ToNumeric(WireScalar value, out string? result)
    {
        result = value.Kind == JsonValueKind.Number || (value.Kind == JsonValueKind.String && NumericText().IsMatch(value.Text!)) ? value.Text : null;
        return result is not null ? null
            : value.Kind == JsonValueKind.String ? $"the string {Preview(value)} is not a number"
            : $"expected a JSON number, got {Kind(value)}";
    }

    /// <summary>A numeric text (already validated) in canonical form: <c>[-]digits e exponent</c>, no leading or trailing zeros.</summary>
    public static string CanonicalNumeric(string text)
    {
        var span = text.AsSpan();
        var negative = false;
        if (span.Length > 0 && (span[0] == '-' || span[0] == '+'))
        {
            negative = span[0] == '-';
            span = span[1..];
        }
        BigInteger exponent = 0;
        var e = span.IndexOfAny('e', 'E');
        if (e >= 0)
        {
            exponent = BigInteger.Parse(span[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            span = span[..e];
        }
        var digits = new StringBuilder(span.Length);
        var dot = span.IndexOf('.');
        if (dot >= 0)
        {
            digits.Append(span[..dot]).Append(span[(dot + 1)..]);
            exponent -= span.Length - dot - 1;
        }
        else
            digits.Append(span);
        var all = digits.ToString().TrimStart('0');
        if (all.Length == 0)
            return "0";
        var trimmed = all.TrimEnd('0');
        exponent += all.Length - trimmed.Length;
        return (negative ? "-" : "") + trimmed + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        var buffer = new byte[(text.Length + 3) / 4 * 3];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            bytes = written == buffer.Length ? buffer : buffer[..written];
            return true;
        }
        bytes = [];
        return false;
    }

    private static string Kind(WireScalar value) => value.Kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.Kind.ToString(),
    };

    /// <summary>The value as JSON (a string quoted and escaped), cut to a readable length.</summary>
    private static string Preview(WireScalar value)
    {
        var raw = value.Kind == JsonValueKind.String
            ? "\"" + JsonEncodedText.Encode(value.Text!, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value + "\""
            : value.Text ?? "";
        return raw.Length <= 40 ? raw : raw[..40] + "…";
    }
}
