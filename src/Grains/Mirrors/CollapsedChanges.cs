using System.Text;
using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Mirrors;

/// <summary>
/// A batch of changes converted to column values and collapsed to the newest change per primary
/// key (the greatest (journal_epoch, commit_seq); on a tie the later one in the list).
/// <para>
/// Key values: a delete takes them from <c>pk</c>; an insert/update from <c>row</c> (the row
/// as it now is), falling back to <c>pk</c> for a key column the row lacks or holds null. Only the table's
/// columns are read from <c>row</c> (by <see cref="MirrorColumn.SourceColumn"/>); other
/// properties are ignored and a missing column is NULL. A property given twice: the last wins.
/// Every change is converted, including the ones a later change supersedes, so a value that
/// cannot be written is an error whichever change carries it.
/// </para>
/// <para>
/// The changes are addressed by slot (their index in the list): <see cref="Upserts"/> and
/// <see cref="Deletes"/> are the slots that survive, and the column arrays are gathered for them.
/// </para>
/// </summary>
internal sealed class CollapsedChanges
{
    private readonly IReadOnlyList<MirrorRowChange> _changes;
    private readonly ColumnBuffer[] _columns;
    private readonly int[] _keyColumns;

    private CollapsedChanges(IReadOnlyList<MirrorRowChange> changes, ColumnBuffer[] columns, int[] keyColumns, List<int> upserts, List<int> deletes)
    {
        _changes = changes;
        _columns = columns;
        _keyColumns = keyColumns;
        Upserts = upserts;
        Deletes = deletes;
        SharedJournalEpoch = changes.Count > 0 && changes.All(c => c.JournalEpoch == changes[0].JournalEpoch) ? changes[0].JournalEpoch : null;
    }

    /// <summary>The surviving inserts and updates, in the order their keys first appear.</summary>
    public IReadOnlyList<int> Upserts { get; }

    /// <summary>The surviving deletes, in the order their keys first appear.</summary>
    public IReadOnlyList<int> Deletes { get; }

    /// <summary>The journal epoch of every change, when they all have the same one.</summary>
    public Guid? SharedJournalEpoch { get; }

    /// <summary>Column <paramref name="index"/> of the table at <paramref name="slots"/>.</summary>
    public Array Column(int index, IReadOnlyList<int> slots) => _columns[index].Gather(slots, nullable: true);

    /// <summary>Key column <paramref name="ordinal"/> (0-based, in key order) at <paramref name="slots"/>; never NULL.</summary>
    public Array KeyColumn(int ordinal, IReadOnlyList<int> slots) => _columns[_keyColumns[ordinal]].Gather(slots, nullable: false);

    public Guid[] JournalEpochs(IReadOnlyList<int> slots)
    {
        var epochs = new Guid[slots.Count];
        for (var i = 0; i < epochs.Length; i++)
            epochs[i] = _changes[slots[i]].JournalEpoch;
        return epochs;
    }

    public long[] CommitSeqs(IReadOnlyList<int> slots)
    {
        var seqs = new long[slots.Count];
        for (var i = 0; i < seqs.Length; i++)
            seqs[i] = _changes[slots[i]].CommitSeq;
        return seqs;
    }

    /// <exception cref="MirrorWriteException">Permanent: a malformed change or a value that cannot be converted.</exception>
    public static CollapsedChanges From(MirrorTable table, IReadOnlyList<MirrorRowChange> changes)
    {
        var columns = table.Columns;
        var key = table.Key;
        if (key.Count == 0)
            throw new ArgumentException($"mirror table '{table.Name}' has no key column", nameof(table));
        var keyColumns = key.Select(table.IndexOf).ToArray();
        var buffers = columns.Select(c => ColumnBuffer.For(c.SqliteAffinity, changes.Count)).ToArray();
        var reader = new Reader(table, buffers, keyColumns);
        var newest = new NewestPerKey(changes, buffers, keyColumns, key.Count == 1 && key[0].SqliteAffinity == SqliteAffinity.Integer);

        for (var slot = 0; slot < changes.Count; slot++)
        {
            var change = changes[slot];
            try
            {
                switch (change.Op)
                {
                    case RowOperation.Delete:
                        reader.ReadKeyFromPk(change, slot, fallback: false);
                        break;
                    case RowOperation.Insert or RowOperation.Update:
                        reader.ReadRow(change, slot);
                        if (keyColumns.Any(c => buffers[c].IsNull(slot)))
                            reader.ReadKeyFromPk(change, slot, fallback: true);
                        break;
                    default:
                        throw Invalid(table, change, $"op '{change.Op}' is not insert, update or delete");
                }
            }
            catch (JsonException e)
            {
                throw Invalid(table, change, $"pk or row is not valid JSON ({e.Message})");
            }
            newest.Offer(slot);
        }

        var upserts = new List<int>();
        var deletes = new List<int>();
        foreach (var slot in newest.Slots)
            (changes[slot].Op == RowOperation.Delete ? deletes : upserts).Add(slot);
        return new CollapsedChanges(changes, buffers, keyColumns, upserts, deletes);
    }

    /// <summary>Converts a change's pk and row into the column buffers.</summary>
    private sealed class Reader(MirrorTable table, ColumnBuffer[] buffers, int[] keyColumns)
    {
        private readonly Dictionary<string, int[]> _bySource = table.Columns
            .Select((column, index) => (column.SourceColumn, index))
            .GroupBy(c => c.SourceColumn, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => c.index).ToArray(), StringComparer.Ordinal);

        // The rows of a batch share their member-name strings (WireNames), so the name at a
        // position is usually the very string met there in the previous row.
        private readonly List<(string Name, int[] Columns)> _byPosition = [];

        public void ReadRow(MirrorRowChange change, int slot)
        {
            if (change.RowJson is null)
                throw Invalid(table, change, $"{change.Op} without a row");
            var row = Parsed(change, isRow: true);
            var names = row.Names;
            var values = row.Values;
            for (var m = 0; m < names.Count; m++)
                foreach (var column in ColumnsOf(names[m], m))
                    Convert(change, column, slot, values[m]);
        }

        /// <summary>The key columns from <c>pk</c>; with <paramref name="fallback"/>, only those the row left NULL.</summary>
        public void ReadKeyFromPk(MirrorRowChange change, int slot, bool fallback)
        {
            var pk = Parsed(change, isRow: false);
            foreach (var column in keyColumns)
            {
                if (fallback && !buffers[column].IsNull(slot))
                    continue;
                var source = table.Columns[column].SourceColumn;
                var index = pk.LastIndexOf(source);
                if (index < 0)
                    throw Invalid(table, change, $"key column '{source}' is missing from the {(fallback ? "row and the pk" : "pk")}");
                Convert(change, column, slot, pk.Values[index]);
                if (buffers[column].IsNull(slot))
                    throw Invalid(table, change, $"key column '{source}' is null");
            }
        }

        private int[] ColumnsOf(string name, int position)
        {
            if (position < _byPosition.Count && ReferenceEquals(_byPosition[position].Name, name))
                return _byPosition[position].Columns;
            var columns = _bySource.GetValueOrDefault(name) ?? [];
            if (position < _byPosition.Count)
                _byPosition[position] = (name, columns);
            else if (position == _byPosition.Count)
                _byPosition.Add((name, columns));
            return columns;
        }

        private void Convert(MirrorRowChange change, int column, int slot, WireScalar value)
        {
            if (buffers[column].Set(slot, value) is not { } problem)
                return;
            var mirrored = table.Columns[column];
            throw new MirrorWriteException(MirrorWriteException.ValueInvalid, isPermanent: true,
                $"mirror table '{table.Name}', column '{mirrored.Name}' (source '{mirrored.SourceColumn}', {mirrored.SqliteAffinity} → {mirrored.PostgresType}), commit_seq {change.CommitSeq}: {problem}");
        }

        /// <summary>The pk or row, parsed (by the wire reader for a live row, here for a staged one).</summary>
        private WireObject Parsed(MirrorRowChange change, bool isRow)
        {
            try
            {
                return isRow ? change.Row! : change.Pk;
            }
            catch (InvalidDataException)
            {
                throw Invalid(table, change, $"{(isRow ? "row" : "pk")} is not a JSON object");
            }
        }
    }

    /// <summary>The newest change per key; a single INTEGER key is compared as a number, any other key as text.</summary>
    private sealed class NewestPerKey(IReadOnlyList<MirrorRowChange> changes, ColumnBuffer[] buffers, int[] keyColumns, bool integerKey)
    {
        private readonly Dictionary<long, int>? _byInteger = integerKey ? new() : null;
        private readonly Dictionary<string, int>? _byText = integerKey ? null : new(StringComparer.Ordinal);
        private readonly StringBuilder _text = new();

        public IEnumerable<int> Slots => _byInteger is not null ? _byInteger.Values : _byText!.Values;

        public void Offer(int slot)
        {
            if (_byInteger is not null)
            {
                buffers[keyColumns[0]].TryGetInteger(slot, out var id);
                if (!_byInteger.TryGetValue(id, out var previous) || !IsNewer(changes[previous], changes[slot]))
                    _byInteger[id] = slot;
                return;
            }
            _text.Clear();
            foreach (var column in keyColumns)
                buffers[column].AppendKeyPart(_text, slot);
            var key = _text.ToString();
            if (!_byText!.TryGetValue(key, out var earlier) || !IsNewer(changes[earlier], changes[slot]))
                _byText[key] = slot;
        }

        /// <summary>Whether <paramref name="a"/> is strictly newer than <paramref name="b"/>.</summary>
        private static bool IsNewer(MirrorRowChange a, MirrorRowChange b)
        {
            var epoch = a.JournalEpoch == b.JournalEpoch ? 0 : EpochOrder.Compare(a.JournalEpoch, b.JournalEpoch);
            return epoch > 0 || (epoch == 0 && a.CommitSeq > b.CommitSeq);
        }
    }

    private static MirrorWriteException Invalid(MirrorTable table, MirrorRowChange change, string problem) =>
        new(MirrorWriteException.ChangeInvalid, isPermanent: true, $"mirror table '{table.Name}', commit_seq {change.CommitSeq}: {problem}");
}
