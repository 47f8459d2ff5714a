using System.Text;
using System.Text.Json;
using EdgeSync.Lineages;
using EdgeSync.Wire;

namespace EdgeSync.Mirrors;

/// <summary>One surviving change, its values converted: every column of the table for an upsert, the key columns for a delete.</summary>
internal sealed record ConvertedChange(Guid JournalEpoch, long CommitSeq, object?[] Values);

/// <summary>
/// A batch of changes converted to column values and collapsed to the newest change per primary
/// key (the greatest (journal_epoch, commit_seq); on a tie the later one in the list).
/// <para>
/// Key values: a delete takes them from <c>pk</c>; an insert/update from <c>row</c> (the row
/// as it now is), falling back to <c>pk</c> for a key column the row lacks or holds null. Only the table's
/// columns are read from <c>row</c> (by <see cref="MirrorColumn.SourceColumn"/>); other
/// properties are ignored and a missing column is NULL. A property given twice: the last wins.
/// </para>
/// </summary>
internal sealed class CollapsedChanges
{
    public required IReadOnlyList<ConvertedChange> Upserts { get; init; }
    public required IReadOnlyList<ConvertedChange> Deletes { get; init; }

    /// <exception cref="MirrorWriteException">Permanent: a malformed change or a value that cannot be converted.</exception>
    public static CollapsedChanges From(MirrorTable table, IReadOnlyList<MirrorRowChange> changes)
    {
        var columns = table.Columns;
        var key = table.Key;
        if (key.Count == 0)
            throw new ArgumentException($"mirror table '{table.Name}' has no key column", nameof(table));
        var keyIndexes = key.Select(k => IndexOf(columns, k)).ToArray();
        var bySource = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            if (!bySource.TryGetValue(columns[i].SourceColumn, out var list))
                bySource[columns[i].SourceColumn] = list = [];
            list.Add(i);
        }

        var newest = new Dictionary<string, (int Index, bool Delete, object?[] Values)>(StringComparer.Ordinal);
        var keyText = new StringBuilder();
        for (var n = 0; n < changes.Count; n++)
        {
            var change = changes[n];
            bool delete;
            object?[] values;
            object?[] keyValues;
            try
            {
                switch (change.Op)
                {
                    case RowOperation.Delete:
                        delete = true;
                        keyValues = values = ReadKeyFromPk(table, change, key, null);
                        break;
                    case RowOperation.Insert or RowOperation.Update:
                        delete = false;
                        values = ReadRow(table, change, columns, bySource);
                        keyValues = keyIndexes.Select(i => values[i]).ToArray();
                        if (keyValues.Any(v => v is null))
                        {
                            var fromPk = ReadKeyFromPk(table, change, key, keyValues);
                            for (var k = 0; k < keyIndexes.Length; k++)
                                values[keyIndexes[k]] = keyValues[k] = fromPk[k];
                        }
                        break;
                    default:
                        throw Invalid(table, change, $"op '{change.Op}' is not insert, update or delete");
                }
            }
            catch (JsonException e)
            {
                throw Invalid(table, change, $"pk or row is not valid JSON ({e.Message})");
            }

            keyText.Clear();
            for (var k = 0; k < key.Count; k++)
                MirrorValues.AppendKeyPart(keyText,
                    key[k].SqliteAffinity == SqliteAffinity.Numeric ? MirrorValues.CanonicalNumeric((string)keyValues[k]!) : keyValues[k]!);
            var keyString = keyText.ToString();
            if (newest.TryGetValue(keyString, out var previous) && IsNewer(changes[previous.Index], change))
                continue;
            newest[keyString] = (n, delete, values);
        }

        var upserts = new List<ConvertedChange>();
        var deletes = new List<ConvertedChange>();
        foreach (var (index, delete, values) in newest.Values)
            (delete ? deletes : upserts).Add(new ConvertedChange(changes[index].JournalEpoch, changes[index].CommitSeq, values));
        return new CollapsedChanges { Upserts = upserts, Deletes = deletes };
    }

    /// <summary>Whether <paramref name="a"/> is strictly newer than <paramref name="b"/>.</summary>
    private static bool IsNewer(MirrorRowChange a, MirrorRowChange b)
    {
        var epoch = a.JournalEpoch == b.JournalEpoch ? 0 : EpochOrder.Compare(a.JournalEpoch, b.JournalEpoch);
        return epoch > 0 || (epoch == 0 && a.CommitSeq > b.CommitSeq);
    }

    private static object?[] ReadRow(MirrorTable table, MirrorRowChange change, IReadOnlyList<MirrorColumn> columns, Dictionary<string, List<int>> bySource)
    {
        if (change.RowJson is null)
            throw Invalid(table, change, $"{change.Op} without a row");
        var row = Parsed(table, change, isRow: true);
        var values = new object?[columns.Count];
        var names = row.Names;
        var members = row.Values;
        for (var m = 0; m < names.Count; m++)
        {
            if (!bySource.TryGetValue(names[m], out var indexes))
                continue;
            foreach (var i in indexes)
                values[i] = Convert(table, change, columns[i], members[m]);
        }
        return values;
    }

    /// <summary>The key values from <c>pk</c>; where <paramref name="known"/> already has a value, that one is kept.</summary>
    private static object?[] ReadKeyFromPk(MirrorTable table, MirrorRowChange change, IReadOnlyList<MirrorColumn> key, object?[]? known)
    {
        var pk = Parsed(table, change, isRow: false);
        var values = new object?[key.Count];
        for (var k = 0; k < key.Count; k++)
        {
            if (known?[k] is { } value)
            {
                values[k] = value;
                continue;
            }
            var index = pk.LastIndexOf(key[k].SourceColumn);
            if (index < 0)
                throw Invalid(table, change, $"key column '{key[k].SourceColumn}' is missing from the {(known is null ? "pk" : "row and the pk")}");
            values[k] = Convert(table, change, key[k], pk.Values[index])
                ?? throw Invalid(table, change, $"key column '{key[k].SourceColumn}' is null");
        }
        return values;
    }

    /// <summary>The pk or row, parsed (by the wire reader for a live row, here for a staged one).</summary>
    private static WireObject Parsed(MirrorTable table, MirrorRowChange change, bool isRow)
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

    private static object? Convert(MirrorTable table, MirrorRowChange change, MirrorColumn column, WireScalar value)
    {
        if (MirrorValues.TryConvert(value, column.SqliteAffinity, out var result, out var problem))
            return result;
        throw new MirrorWriteException(MirrorWriteException.ValueInvalid, isPermanent: true,
            $"mirror table '{table.Name}', column '{column.Name}' (source '{column.SourceColumn}', {column.SqliteAffinity} → {column.PostgresType}), commit_seq {change.CommitSeq}: {problem}");
    }

    private static MirrorWriteException Invalid(MirrorTable table, MirrorRowChange change, string problem) =>
        new(MirrorWriteException.ChangeInvalid, isPermanent: true, $"mirror table '{table.Name}', commit_seq {change.CommitSeq}: {problem}");

    private static int IndexOf(IReadOnlyList<MirrorColumn> columns, MirrorColumn column)
    {
        for (var i = 0; i < columns.Count; i++)
            if (ReferenceEquals(columns[i], column) || columns[i] == column)
                return i;
        throw new ArgumentException($"key column '{column.Name}' is not a column of the table");
    }
}
