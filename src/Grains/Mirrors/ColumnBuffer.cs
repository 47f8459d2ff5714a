using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Mirrors;

/// <summary>
/// One mirror column's values for every change of a batch (slot n holds change n), converted once
/// into a typed array, so the statement's column arrays are gathered from it without boxing a
/// value or allocating a row.
/// </summary>
internal abstract class ColumnBuffer
{
    /// <summary>Converts a value that is not JSON null; returns why it cannot be converted, or null.</summary>
    public delegate string? Converter<T>(WireScalar value, out T result);

    public static ColumnBuffer For(string affinity, int slots) => affinity switch
    {
        SqliteAffinity.Integer => new ValueBuffer<long>(slots, MirrorValues.ToInteger, v => "i" + v.ToString(CultureInfo.InvariantCulture)),
        // -0 and 0 are one double to PostgreSQL.
        SqliteAffinity.Real => new ValueBuffer<double>(slots, MirrorValues.ToReal, v => "d" + (v == 0 ? 0d : v).ToString("R", CultureInfo.InvariantCulture)),
        SqliteAffinity.Text => new ReferenceBuffer<string>(slots, MirrorValues.ToText, v => "s" + v),
        // Carried as its validated text (PostgreSQL casts it, so no precision is lost); 1.0 and 1 are one numeric.
        SqliteAffinity.Numeric => new ReferenceBuffer<string>(slots, MirrorValues.ToNumeric, v => "n" + MirrorValues.CanonicalNumeric(v)),
        SqliteAffinity.Blob => new ReferenceBuffer<byte[]>(slots, MirrorValues.ToBlob, v => "b" + System.Convert.ToBase64String(v)),
        _ => throw new ArgumentOutOfRangeException(nameof(affinity), affinity, "not a SQLite affinity"),
    };

    /// <summary>Converts <paramref name="value"/> into <paramref name="slot"/> (JSON null is NULL).</summary>
    /// <returns>Why the value cannot be converted, or null when it was.</returns>
    public string? Set(int slot, WireScalar value)
    {
        if (value.Kind != JsonValueKind.Null)
            return Convert(slot, value);
        Clear(slot);
        return null;
    }

    public abstract bool IsNull(int slot);

    /// <summary>The value at <paramref name="slot"/> when this is an INTEGER column and it is not NULL: such keys collapse without building text.</summary>
    public virtual bool TryGetInteger(int slot, out long value)
    {
        value = 0;
        return false;
    }

    /// <summary>
    /// Appends the value at <paramref name="slot"/> (not NULL) so that two values give the same text
    /// exactly when PostgreSQL finds them equal, prefixed with its length, so that the parts of a
    /// composite key cannot run together.
    /// </summary>
    public void AppendKeyPart(StringBuilder key, int slot)
    {
        var text = KeyText(slot);
        key.Append(text.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(text);
    }

    /// <summary>The values at <paramref name="slots"/>, in that order, as the array the statement sends.</summary>
    public abstract Array Gather(IReadOnlyList<int> slots, bool nullable);

    protected abstract void Clear(int slot);

    protected abstract string? Convert(int slot, WireScalar value);

    protected abstract string KeyText(int slot);

    private sealed class ValueBuffer<T>(int slots, Converter<T> convert, Func<T, string> keyText) : ColumnBuffer where T : struct
    {
        private readonly T?[] _values = new T?[slots];

        public override bool IsNull(int slot) => _values[slot] is null;

        public override bool TryGetInteger(int slot, out long value)
        {
            // Compiled per T: for long the cast is no box at all, for the others the branch is gone.
            if (typeof(T) == typeof(long) && _values[slot] is { } present)
            {
                value = (long)(object)present;
                return true;
            }
            value = 0;
            return false;
        }

        public override Array Gather(IReadOnlyList<int> slots, bool nullable)
        {
            if (nullable)
            {
                var gathered = new T?[slots.Count];
                for (var i = 0; i < gathered.Length; i++)
                    gathered[i] = _values[slots[i]];
                return gathered;
            }
            var present = new T[slots.Count];
            for (var i = 0; i < present.Length; i++)
                present[i] = _values[slots[i]]!.Value;
            return present;
        }

        protected override void Clear(int slot) => _values[slot] = null;

        protected override string? Convert(int slot, WireScalar value)
        {
            var problem = convert(value, out var result);
            _values[slot] = problem is null ? result : null;
            return problem;
        }

        protected override string KeyText(int slot) => keyText(_values[slot]!.Value);
    }

    private sealed class ReferenceBuffer<T>(int slots, Converter<T?> convert, Func<T, string> keyText) : ColumnBuffer where T : class
    {
        private readonly T?[] _values = new T?[slots];

        public override bool IsNull(int slot) => _values[slot] is null;

        public override Array Gather(IReadOnlyList<int> slots, bool nullable)
        {
            var gathered = new T?[slots.Count];
            for (var i = 0; i < gathered.Length; i++)
                gathered[i] = _values[slots[i]];
            return gathered;
        }

        protected override void Clear(int slot) => _values[slot] = null;

        protected override string? Convert(int slot, WireScalar value)
        {
            var problem = convert(value, out var result);
            _values[slot] = result;
            return problem;
        }

        protected override string KeyText(int slot) => keyText(_values[slot]!);
    }
}
