namespace EdgeSync.Wire;

/// <summary>
/// Whether PostgreSQL's <c>numeric</c> can hold a JSON number literal. Staged rows are
/// <c>jsonb</c>, whose numbers are <c>numeric</c>, so a literal outside its range fails the
/// staging transaction on every delivery; such a batch is refused with
/// <see cref="RejectionCodes.ValueOutOfRange"/> instead. PostgreSQL's limits (checked against
/// PostgreSQL 15): at most 131,072 digits before the decimal point (decimal weight up to 131,071)
/// unless the value is zero, at most 16,383 digits after it (the display scale: fraction digits
/// as written minus the exponent, zero included), and an exponent below 2^30 - 1 in magnitude.
/// </summary>
public static class PgNumeric
{
    public const int MaxWeight = 131_071;
    public const int MaxScale = 16_383;
    private const long MaxExponent = int.MaxValue / 2;

    /// <summary>
    /// Whether a literal this short without an exponent certainly fits, so that ordinary numbers
    /// are not looked at digit by digit.
    /// </summary>
    public static bool CertainlyFits(ReadOnlySpan<byte> literal) =>
        literal.Length <= MaxScale && literal.IndexOfAny((byte)'e', (byte)'E') < 0;

    /// <summary>Whether <paramref name="literal"/>, a number in JSON's grammar (ASCII), fits <c>numeric</c>.</summary>
    public static bool Fits(ReadOnlySpan<byte> literal)
    {
        if (CertainlyFits(literal))
            return true;
        var i = 0;
        if (i < literal.Length && literal[i] == '-')
            i++;
        var intStart = i;
        while (i < literal.Length && IsDigit(literal[i]))
            i++;
        var intDigits = literal[intStart..i];
        ReadOnlySpan<byte> fracDigits = [];
        if (i < literal.Length && literal[i] == '.')
        {
            var fracStart = ++i;
            while (i < literal.Length && IsDigit(literal[i]))
                i++;
            fracDigits = literal[fracStart..i];
        }

        long exponent = 0;
        if (i < literal.Length && literal[i] is (byte)'e' or (byte)'E')
        {
            i++;
            var negative = false;
            if (i < literal.Length && literal[i] is (byte)'+' or (byte)'-')
                negative = literal[i++] == '-';
            for (; i < literal.Length; i++)
            {
                exponent = exponent * 10 + (literal[i] - '0');
                if (exponent >= MaxExponent)
                    return false;
            }
            if (negative)
                exponent = -exponent;
        }

        if (fracDigits.Length - exponent > MaxScale)
            return false;

        // The decimal weight of the first non-zero digit (10^weight); zero has none and always fits.
        var firstInt = intDigits.IndexOfAnyExcept((byte)'0');
        long weight;
        if (firstInt >= 0)
            weight = intDigits.Length - firstInt - 1;
        else if (fracDigits.IndexOfAnyExcept((byte)'0') is var firstFrac and >= 0)
            weight = -firstFrac - 1;
        else
            return true;
        return weight + exponent <= MaxWeight;
    }

    /// <inheritdoc cref="Fits(ReadOnlySpan{byte})"/>
    public static bool Fits(string literal)
    {
        Span<byte> ascii = literal.Length <= 256 ? stackalloc byte[literal.Length] : new byte[literal.Length];
        for (var i = 0; i < literal.Length; i++)
            ascii[i] = (byte)literal[i];
        return Fits(ascii);
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
