using System.Diagnostics.CodeAnalysis;

namespace EdgeSync.Wire;

/// <summary>UUIDv7 checks (RFC 9562): version nibble 7 and the RFC 4122 variant (bits 10xx).</summary>
public static class Uuid7
{
    /// <summary>True when <paramref name="value"/> has version 7 and the RFC 4122 variant.</summary>
    public static bool IsValid(Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes, bigEndian: true, out _);
        return bytes[6] >> 4 == 7 && (bytes[8] & 0xC0) == 0x80;
    }

    /// <summary>
    /// True when <paramref name="text"/> is a UUIDv7 in the canonical hyphenated form
    /// <c>xxxxxxxx-xxxx-7xxx-[89ab]xxx-xxxxxxxxxxxx</c> (36 characters; hex digits in either case;
    /// no braces, no surrounding whitespace).
    /// </summary>
    public static bool IsValid([NotNullWhen(true)] string? text) => TryParse(text, out _);

    /// <inheritdoc cref="IsValid(string?)"/>
    public static bool TryParse([NotNullWhen(true)] string? text, out Guid value)
    {
        value = Guid.Empty;
        if (text is null || text.Length != 36) return false;
        foreach (var c in text)
            if (c != '-' && !char.IsAsciiHexDigit(c)) return false;
        if (!Guid.TryParseExact(text, "D", out var parsed) || !IsValid(parsed)) return false;
        value = parsed;
        return true;
    }
}
