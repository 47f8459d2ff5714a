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
    public static ColumnBuffer For(string affinity, int slots) => affinity switch
    {
        SqliteAffinity.Integer => new IntegerBuffer(slots),
        SqliteAffinity.Real => new RealBuffer(slots),
        SqliteAffinity.Text => new StringBuffer(slots, MirrorValues.ToText, numeric: false),
        SqliteAffinity.Numeric => new StringBuffer(slots, MirrorValues.ToNumeric, numeric: true),
        SqliteAffinity.Blob => new BlobBuffer(slots),
        _ => throw new ArgumentOutOfRangeException(nameof(affinity), affinity, "not a SQLite affinity"),
    };

    /// <summary>Converts <paramref name="value"/> into <paramref name="slot"/> (JSON null is NULL).</summary>
    /// <returns>Why the value cannot be converted, or null when it was.</returns>
    public string? Set(int slot, WireScalar value)
    {
        if (value.Kind == JsonValueKind.Null)
        {
            Clear(slot);
            return null;
        }
        return Convert(slot, value);
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
    /// exactly when PostgreSQL finds them equal: -0 and 0 are one double, <c>1.0</c> and <c>1</c>
    /// one numeric. Prefixed with its length, so that the parts of a composite key cannot run together.
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

    private sealed class IntegerBuffer(int slots) : ColumnBuffer
    {
        private readonly long?[] _values = new long?[slots];

        public override bool IsNull(int slot) => _values[slot] is null;

        public override bool TryGetInteger(int slot, out long value)
        {
            value = _values[slot].GetValueOrDefault();
            return _values[slot].HasValue;
        }

        public override Array Gather(IReadOnlyList<int> slots, bool nullable)
        {
            if (nullable)
            {
                var gathered = new long?[slots.Count];
                for (var i = 0; i < gathered.Length; i++)
                    gathered[i] = _values[slots[i]];
                return gathered;
            }
            var keys = new long[slots.Count];
            for (var i = 0; i < keys.Length; i++)
                keys[i] = _values[slots[i]]!.Value;
            return keys;
        }

        protected override void Clear(int slot) => _values[slot] = null;

        protected override string? Convert(int slot, WireScalar value)
        {
            var problem = MirrorValues.ToInteger(value, out var result);
            _values[slot] = problem is null ? result : null;
            return problem;
        }

        protected override string KeyText(int slot) => "i" + _values[slot]!.Value.ToString(CultureInfo.InvariantCulture);
    }

    private sealed class RealBuffer(int slots) : ColumnBuffer
    {
        private readonly double?[] _values = new double?[slots];

        public override bool IsNull(int slot) => _values[slot] is null;

        public override Array Gather(IReadOnlyList<int> slots, bool nullable)
        {
            if (nullable)
            {
                var gathered = new double?[slots.Count];
                for (var i = 0; i < gathered.Length; i++)
                    gathered[i] = _values[slots[i]];
                return gathered;
            }
            var keys = new double[slots.Count];
            for (var i = 0; i < keys.Length; i++)
                keys[i] = _values[slots[i]]!.Value;
            return keys;
        }

        protected override void Clear(int slot) => _values[slot] = null;

        protected override string? Convert(int slot, WireScalar value)
        {
            var problem = MirrorValues.ToReal(value, out var result);
            _values[slot] = problem is null ? result : null;
            return problem;
        }

        protected override string KeyText(int slot)
        {
            var value = _values[slot]!.Value;
            return "d" + (value == 0 ? 0d : value).ToString("R", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Text, and numeric carried as its validated text (PostgreSQL casts it, so no precision is lost).</summary>
    private sealed class StringBuffer(int slots, StringBuffer.Converter converter, bool numeric) : ColumnBuffer
    {
        public delegate string? Converter(WireScalar value, out string? result);

        private readonly string?[] _values = new string?[slots];

        public override bool IsNull(int slot) => _values[slot] is null;

        public override Array Gather(IReadOnlyList<int> slots, bool nullable)
        {
            var gathered = new string?[slots.Count];
            for (var i = 0; i < gathered.Length; i++)
                gathered[i] = _values[slots[i]];
            return gathered;
        }

        protected override void Clear(int slot) => _values[slot] = null;

        protected override string? Convert(int slot, WireScalar value)
        {
            var problem = converter(value, out var result);
            _values[slot] = result;
            return problem;
        }

        protected override string KeyText(int slot) =>
            numeric ? "n" + MirrorValues.CanonicalNumeric(_values[slot]!) : "s" + _values[slot];
    }

    private sealed class BlobBuffer(int slots) : ColumnBuffer
    {
        private readonly byte[]?[] _values = new byte[]?[slots];

        public override bool IsNull(int slot) => _values[slot] is null;

        public override Array Gather(IReadOnlyList<int> slots, bool nullable)
        {
            var gathered = new byte[]?[slots.Count];
            for (var i = 0; i < gathered.Length; i++)
                gathered[i] = _values[slots[i]];
            return gathered;
        }

        protected override void Clear(int slot) => _values[slot] = null;

        protected override string? Convert(int slot, WireScalar value)
        {
            var problem = MirrorValues.ToBlob(value, out var result);
            _values[slot] = result;
            return problem;
        }

        protected override string KeyText(int slot) => "b" + System.Convert.ToBase64String(_values[slot]!);
    }
}
