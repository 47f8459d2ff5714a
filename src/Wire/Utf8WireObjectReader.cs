using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>
/// Reads the <c>pk</c> objects, or the <c>row</c> objects, of one batch for
/// <see cref="RowBatchFastPath"/>: checks each is a non-empty object of scalars whose member names
/// are distinct and allowed by schema_columns, and builds its <see cref="WireObject"/> and raw JSON
/// text as the reference reader does.
/// <para>
/// Rows of a table name the same members in the same order, so a member name is first compared,
/// as raw bytes, with the name at the same position in the previous object; only a different name
/// is decoded into a new string (the rows then share their name strings, as
/// <see cref="WireNames"/> makes them), and an object naming exactly what the previous one named
/// is not checked again.
/// </para>
/// </summary>
internal sealed class Utf8WireObjectReader
{
    /// <summary>Up to this many members, distinct names are checked pair by pair rather than with a set.</summary>
    private const int PairwiseDistinctLimit = 32;

    private readonly HashSet<string>? _allowed;
    private readonly bool _allAllowedRequired;

    // Per member position: the last name met there, and where its raw (possibly escaped) bytes lie in the payload.
    private string[] _names = new string[16];
    private int[] _rawStarts = new int[16];
    private int[] _rawLengths = new int[16];
    private int _positions;

    /// <summary>The member count of the previous object, whose names (the first ones of <see cref="_names"/>) passed the checks.</summary>
    private int _checkedCount = -1;

    /// <summary>The names of the previous object; an object with the same names shares the array (no one writes to it).</summary>
    private string[] _checkedNames = [];

    private Utf8WireObjectReader(HashSet<string>? allowed, bool allAllowedRequired)
    {
        _allowed = allowed;
        _allAllowedRequired = allAllowedRequired;
    }

    /// <summary>For <c>pk</c>: when <paramref name="keyNames"/> is given, the object names exactly these.</summary>
    public static Utf8WireObjectReader ForPk(HashSet<string>? keyNames) => new(keyNames, allAllowedRequired: true);

    /// <summary>For <c>row</c>: when <paramref name="columnNames"/> is given, the object names only some of these.</summary>
    public static Utf8WireObjectReader ForRow(HashSet<string>? columnNames) => new(columnNames, allAllowedRequired: false);

    /// <summary>
    /// Reads the object whose start the reader is on, through its end. False when the reference
    /// reader would refuse it (or might: a nested value is left to it as well).
    /// </summary>
    public bool TryRead(ref Utf8JsonReader reader, ReadOnlySpan<byte> payload,
        [NotNullWhen(true)] out WireObject? value, [NotNullWhen(true)] out string? json)
    {
        value = null;
        json = null;
        var start = (int)reader.TokenStartIndex;
        var count = 0;
        var sameNamesAsBefore = true;
        var containsNul = false;
        // Sized as the previous object, which is almost always right: then the array is the result as is.
        var values = new WireScalar[Math.Max(_checkedCount, 1)];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = NameAt(ref reader, payload, count, ref sameNamesAsBefore);
            // A JSON string holds U+0000 only as an escape.
            if (reader.ValueIsEscaped)
                containsNul |= name.Contains('\0');

            reader.Read();
            if (!TryReadScalar(ref reader, ref containsNul, out var scalar))
                return false;
            if (count == values.Length)
                Array.Resize(ref values, count * 2);
            values[count++] = scalar;
        }

        if (count == 0)
            return false;
        if (!sameNamesAsBefore || count != _checkedCount)
        {
            if (!NamesAreDistinct(count) || !NamesAreAllowed(count))
                return false;
            _checkedCount = count;
            _checkedNames = _names.AsSpan(0, count).ToArray();
        }

        if (count != values.Length)
            Array.Resize(ref values, count);
        value = new WireObject(_checkedNames, values, containsNul);
        json = Encoding.UTF8.GetString(payload[start..(int)reader.BytesConsumed]);
        return true;
    }

    private static bool TryReadScalar(ref Utf8JsonReader reader, ref bool containsNul, out WireScalar scalar)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var text = reader.ValueIsEscaped ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);
                if (reader.ValueIsEscaped)
                    containsNul |= text.Contains('\0');
                scalar = new WireScalar(JsonValueKind.String, text);
                return true;
            case JsonTokenType.Number:
                // Left to the reference, which refuses it with value_out_of_range.
                if (!PgNumeric.Fits(reader.ValueSpan))
                {
                    scalar = default;
                    return false;
                }
                // The reader has checked the number's grammar, so it is ASCII: no UTF-8 to decode.
                scalar = new WireScalar(JsonValueKind.Number, Encoding.Latin1.GetString(reader.ValueSpan));
                return true;
            case JsonTokenType.True:
                scalar = new WireScalar(JsonValueKind.True, null);
                return true;
            case JsonTokenType.False:
                scalar = new WireScalar(JsonValueKind.False, null);
                return true;
            case JsonTokenType.Null:
                scalar = new WireScalar(JsonValueKind.Null, null);
                return true;
            default:
                scalar = default;
                return false;
        }
    }

    /// <summary>The name of the property the reader is on, the previous object's string when it is the same name.</summary>
    private string NameAt(ref Utf8JsonReader reader, ReadOnlySpan<byte> payload, int position, ref bool sameNamesAsBefore)
    {
        var raw = reader.ValueSpan;
        if (position < _positions && payload.Slice(_rawStarts[position], _rawLengths[position]).SequenceEqual(raw))
            return _names[position];

        // The same name may be spelled with other escapes; then the earlier string is still shared.
        var name = reader.GetString()!;
        if (position < _positions && name == _names[position])
            name = _names[position];
        else
            sameNamesAsBefore = false;

        if (position == _positions)
        {
            if (position == _names.Length)
            {
                Array.Resize(ref _names, position * 2);
                Array.Resize(ref _rawStarts, position * 2);
                Array.Resize(ref _rawLengths, position * 2);
            }
            _positions++;
        }
        _names[position] = name;
        _rawStarts[position] = (int)reader.TokenStartIndex + 1;   // the token starts at the opening quote
        _rawLengths[position] = raw.Length;
        return name;
    }

    /// <summary>The parser of the reference reader refuses a name given twice (compared unescaped, as here).</summary>
    private bool NamesAreDistinct(int count)
    {
        if (count <= PairwiseDistinctLimit)
        {
            for (var i = 1; i < count; i++)
                for (var j = 0; j < i; j++)
                    if (string.Equals(_names[i], _names[j], StringComparison.Ordinal))
                        return false;
            return true;
        }

        var seen = new HashSet<string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
            if (!seen.Add(_names[i]))
                return false;
        return true;
    }

    private bool NamesAreAllowed(int count)
    {
        if (_allowed is null)
            return true;
        if (_allAllowedRequired && count != _allowed.Count)
            return false;
        for (var i = 0; i < count; i++)
            if (!_allowed.Contains(_names[i]))
                return false;
        return true;
    }
}
