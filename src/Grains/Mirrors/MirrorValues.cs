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
/// Conversion of wire JSON values (wire-protocol.md, "Value encoding") to the CLR values written
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

    /// <summary>The SQL type of the transport (temp table / array) column.</summary>
    public static string TransportSqlType(string affinity) =>
        affinity == SqliteAffinity.Numeric ? "text" : MirrorTypes.Of(affinity);

    /// <summary>The value to write, or null for SQL NULL; <paramref name="problem"/> says why it cannot be converted.</summary>
    public static bool TryConvert(WireScalar value, string affinity, out object? result, out string? problem)
    {
        result = null;
        problem = null;
        if (value.Kind == JsonValueKind.Null)
            return true;
        var text = value.Text;
        switch (affinity)
        {
            case SqliteAffinity.Integer:
                // A JSON number literal parses as an integer exactly when it has no fraction or
                // exponent and fits 64 bits, as JsonElement.TryGetInt64 decides.
                if (value.Kind == JsonValueKind.Number && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                    result = integer;
                else
                    problem = value.Kind == JsonValueKind.Number
                        ? $"{Preview(value)} is not an integer within 64 bits"
                        : $"expected a JSON integer, got {Kind(value)}";
                break;
            case SqliteAffinity.Real:
                if (value.Kind == JsonValueKind.Number && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
                    result = real;
                else
                    problem = value.Kind == JsonValueKind.Number
                        ? $"{Preview(value)} is out of the range of double precision"
                        : $"expected a JSON number, got {Kind(value)}";
                break;
            case SqliteAffinity.Text:
                if (value.Kind is JsonValueKind.String or JsonValueKind.Number)
                    result = text;
                else
                    problem = $"expected a JSON string, got {Kind(value)}";
                break;
            case SqliteAffinity.Blob:
                if (value.Kind == JsonValueKind.String && TryBase64(text!, out var bytes))
                    result = bytes;
                else
                    problem = value.Kind == JsonValueKind.String
                        ? "the string is not valid base64"
                        : $"expected a base64 string, got {Kind(value)}";
                break;
            case SqliteAffinity.Numeric:
                if (value.Kind == JsonValueKind.Number || (value.Kind == JsonValueKind.String && NumericText().IsMatch(text!)))
                    result = text;
                else
                    problem = value.Kind == JsonValueKind.String
                        ? $"the string {Preview(value)} is not a number"
                        : $"expected a JSON number, got {Kind(value)}";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(affinity), affinity, "not a SQLite affinity");
        }
        return problem is null;
    }

    /// <summary>
    /// Appends a representation of a converted key value that is equal exactly when PostgreSQL
    /// finds the values equal (so two changes of one mirror row collapse into one): -0 and 0 are
    /// one double, <c>1.0</c> and <c>1</c> one numeric.
    /// </summary>
    public static void AppendKeyPart(StringBuilder key, object value)
    {
        var text = value switch
        {
            long l => "i" + l.ToString(CultureInfo.InvariantCulture),
            double d => "d" + (d == 0 ? 0d : d).ToString("R", CultureInfo.InvariantCulture),
            byte[] b => "b" + Convert.ToBase64String(b),
            string s => "s" + s,
            _ => throw new ArgumentOutOfRangeException(nameof(value), value.GetType().Name, "not a mirror value"),
        };
        key.Append(text.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(text);
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
