using System.Text;

namespace EdgeSync.Wire;

/// <summary>
/// Orders strings as their UTF-8 bytes would sort (memcmp order), which is Unicode code point
/// order — unlike <see cref="StringComparer.Ordinal"/>, which compares UTF-16 code units and puts
/// supplementary characters (e.g. "😀") before U+E000..U+FFFF (e.g. "ｚ"). An unpaired surrogate
/// counts as its own code unit value.
/// </summary>
internal sealed class Utf8ByteOrder : IComparer<string>
{
    public static Utf8ByteOrder Comparer { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            var a = Next(x, ref i);
            var b = Next(y, ref j);
            if (a != b) return a < b ? -1 : 1;
        }
        return (x.Length - i).CompareTo(y.Length - j);
    }

    private static int Next(string s, ref int index)
    {
        if (Rune.DecodeFromUtf16(s.AsSpan(index), out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
        {
            index += consumed;
            return rune.Value;
        }
        return s[index++];
    }
}
