using System.Text;

namespace EdgeSync.Escaping;

/// <summary>
/// Device-supplied text made safe to show and to store: the one escaping function of the node
/// (logs, rejection records) and of the operator CLI and terminal UI.
/// </summary>
public static class SafeText
{
    /// <summary>
    /// <paramref name="text"/> with every character that could act on a terminal or break a line
    /// written as <c>\uXXXX</c>: control characters (U+0000–U+001F, U+007F–U+009F, among them
    /// ESC, CSI and U+0000), the line and paragraph separators U+2028/U+2029, the bidirectional
    /// controls that reorder what is shown (U+061C, U+200E, U+200F, U+202A–U+202E,
    /// U+2066–U+2069), and unpaired surrogates, which no terminal or UTF-8 column can take.
    /// Backslashes stay as they are, so escaping twice changes nothing. The result is always
    /// well-formed UTF-16 without U+0000, so PostgreSQL text accepts it. The same instance comes
    /// back when nothing needs escaping.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = FirstToEscape(text);
        if (first < 0)
            return text;

        var builder = new StringBuilder(text.Length + 16);
        builder.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
                continue;
            }
            if (NeedsEscape(c))
                builder.Append("\\u").Append(((int)c).ToString("X4"));
            else
                builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>
    /// <see cref="Escape"/> line by line, for multi-line messages: every line ending (CR LF, CR,
    /// LF, NEL, LS, PS, FF) becomes a line feed, which a terminal only moves down on; everything
    /// else is escaped.
    /// </summary>
    public static string EscapeLines(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!NeedsEscaping(text))
            return text;
        return string.Join('\n', text.ReplaceLineEndings("\n").Split('\n').Select(Escape));
    }

    /// <summary>
    /// At most <paramref name="maxChars"/> UTF-16 units of <paramref name="text"/>, never ending
    /// in the first half of a surrogate pair (the cut then keeps one unit less), with
    /// <paramref name="ellipsis"/> appended when something was cut.
    /// </summary>
    public static string Cut(string text, int maxChars, string ellipsis = "")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxChars);
        if (text.Length <= maxChars)
            return text;
        var end = maxChars;
        if (end > 0 && char.IsHighSurrogate(text[end - 1]) && char.IsLowSurrogate(text[end]))
            end--;
        return string.Concat(text.AsSpan(0, end), ellipsis);
    }

    /// <summary>
    /// <see cref="Escape"/>d and at most <paramref name="maxChars"/> units long: whole characters,
    /// escapes and surrogate pairs are kept or dropped together, so the cut never splits one.
    /// </summary>
    public static string EscapeAndCut(string text, int maxChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxChars);
        var escaped = Escape(text);
        if (escaped.Length <= maxChars)
            return escaped;
        var builder = new StringBuilder(maxChars);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            var length = pair ? 2 : NeedsEscape(c) ? 6 : 1;
            if (builder.Length + length > maxChars)
                break;
            if (pair)
                builder.Append(c).Append(text[++i]);
            else if (length == 6)
                builder.Append("\\u").Append(((int)c).ToString("X4"));
            else
                builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>Whether <see cref="Escape"/> would change <paramref name="text"/>.</summary>
    public static bool NeedsEscaping(string text) => FirstToEscape(text) >= 0;

    private static int FirstToEscape(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (NeedsEscape(c))
                return i;
        }
        return -1;
    }

    private static bool NeedsEscape(char c) =>
        c < 0x20 || c is >= '\u007F' and <= '\u009F'
        || c is '\u2028' or '\u2029' or '\u061C' or '\u200E' or '\u200F'
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2066' and <= '\u2069'
        || char.IsSurrogate(c);
}
