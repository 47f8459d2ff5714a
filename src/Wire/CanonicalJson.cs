using System.Text;

namespace EdgeSync.Wire;

/// <summary>String escaping as RFC 8785 (JSON Canonicalization Scheme) does it.</summary>
internal static class CanonicalJson
{
    /// <summary>
    /// Appends <paramref name="value"/> as a JSON string: only <c>"</c>, <c>\</c> and the control
    /// characters U+0000..U+001F are escaped (\b \t \n \f \r, else \u00xx with lowercase hex);
    /// everything else, DEL and non-ASCII included, is written as it is.
    /// </summary>
    /// <exception cref="ArgumentException">The string holds an unpaired surrogate, which has no UTF-8 form.</exception>
    public static void AppendString(StringBuilder builder, string value)
    {
        builder.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\t': builder.Append("\\t"); break;
                case '\n': builder.Append("\\n"); break;
                case '\f': builder.Append("\\f"); break;
                case '\r': builder.Append("\\r"); break;
                case < ' ': builder.Append("\\u00").Append(((int)c).ToString("x2")); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        builder.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        throw new ArgumentException($"The string contains an unpaired surrogate at index {i}; it cannot be canonicalized.", nameof(value));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        builder.Append('"');
    }
}
