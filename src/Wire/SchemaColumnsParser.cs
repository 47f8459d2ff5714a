using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>What <see cref="SchemaColumnsParser"/> made of a <c>schema_columns</c> field.</summary>
/// <param name="Present">False when the field is absent or JSON null (it is optional).</param>
/// <param name="Fingerprint">The fingerprint when present and well-formed.</param>
/// <param name="Problem">Why it is not well-formed (a sentence naming the field), when present and not.</param>
internal sealed record SchemaColumnsParse(bool Present, SchemaFingerprint? Fingerprint, string? Problem)
{
    public static SchemaColumnsParse Absent { get; } = new(false, null, null);
    public static SchemaColumnsParse Invalid(string problem) => new(true, null, problem);
}

/// <summary>
/// Reads a <c>schema_columns</c> object strictly: exactly the fields <c>table_name</c> and
/// <c>columns</c>; each column exactly <c>name</c> (string), <c>decl_type_affinity</c> (one of
/// <see cref="SqliteAffinity.All"/>, exact case), <c>not_null</c> (boolean) and
/// <c>pk_ordinal</c> (integer ≥ 0); no name holding U+0000 (SQLite cannot name a column so, and
/// PostgreSQL cannot store it in the schema's events); at least one column; no two names equal ignoring ASCII case
/// (SQLite's own rule for column names); the non-zero pk ordinals exactly 1..N. Whether
/// <c>table_name</c> equals <c>source_table</c> is the caller's rule.
/// </summary>
internal static class SchemaColumnsParser
{
    private static readonly string[] ObjectFields = ["table_name", "columns"];
    private static readonly string[] ColumnFields = ["name", "decl_type_affinity", "not_null", "pk_ordinal"];

    public static SchemaColumnsParse Parse(JsonElement element)
    {
        if (WireJson.IsAbsentOrNull(element)) return SchemaColumnsParse.Absent;
        if (element.ValueKind != JsonValueKind.Object)
            return SchemaColumnsParse.Invalid($"schema_columns must be a JSON object with table_name and columns, not {WireJson.Describe(element)}.");
        if (UnknownField(element, ObjectFields) is { } unknownField)
            return SchemaColumnsParse.Invalid($"schema_columns has the unknown field \"{WireJson.Truncate(unknownField)}\"; only table_name and columns are allowed.");

        var tableNameElement = WireJson.Property(element, "table_name");
        if (tableNameElement.ValueKind != JsonValueKind.String)
            return SchemaColumnsParse.Invalid($"schema_columns.table_name must be a string, not {WireJson.Describe(tableNameElement)}.");
        var tableName = tableNameElement.GetString()!;

        var columnsElement = WireJson.Property(element, "columns");
        if (columnsElement.ValueKind != JsonValueKind.Array)
            return SchemaColumnsParse.Invalid($"schema_columns.columns must be an array of columns, not {WireJson.Describe(columnsElement)}.");
        if (columnsElement.GetArrayLength() == 0)
            return SchemaColumnsParse.Invalid("schema_columns.columns is empty; a table has at least one column.");

        var columns = new List<SchemaColumn>(columnsElement.GetArrayLength());
        var index = 0;
        foreach (var item in columnsElement.EnumerateArray())
        {
            var path = $"schema_columns.columns[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
                return SchemaColumnsParse.Invalid($"{path} must be a JSON object, not {WireJson.Describe(item)}.");
            if (UnknownField(item, ColumnFields) is { } unknownColumnField)
                return SchemaColumnsParse.Invalid($"{path} has the unknown field \"{WireJson.Truncate(unknownColumnField)}\"; only name, decl_type_affinity, not_null and pk_ordinal are allowed.");

            var name = WireJson.Property(item, "name");
            if (name.ValueKind != JsonValueKind.String)
                return SchemaColumnsParse.Invalid($"{path}.name must be a string, not {WireJson.Describe(name)}.");
            if (name.GetString()!.Contains('\0'))
                return SchemaColumnsParse.Invalid($"{path}.name {WireJson.Describe(name)} contains U+0000, which no column name can hold.");

            var affinity = WireJson.Property(item, "decl_type_affinity");
            if (!SqliteAffinity.IsKnown(WireJson.StringOrNull(affinity)))
                return SchemaColumnsParse.Invalid($"{path}.decl_type_affinity must be one of {string.Join(", ", SqliteAffinity.All)}, not {WireJson.Describe(affinity)}.");

            var notNull = WireJson.Property(item, "not_null");
            if (notNull.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                return SchemaColumnsParse.Invalid($"{path}.not_null must be true or false, not {WireJson.Describe(notNull)}.");

            var pkOrdinal = WireJson.Property(item, "pk_ordinal");
            if (!WireJson.TryGetInt64(pkOrdinal, out var ordinal) || ordinal is < 0 or > int.MaxValue)
                return SchemaColumnsParse.Invalid($"{path}.pk_ordinal must be an integer, 0 for a non-key column or 1..N in key order, not {WireJson.Describe(pkOrdinal)}.");

            columns.Add(new SchemaColumn(name.GetString()!, affinity.GetString()!, notNull.GetBoolean(), (int)ordinal));
        }

        var duplicate = columns.GroupBy(c => c.Name, AsciiCaseInsensitive.Comparer).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            return SchemaColumnsParse.Invalid(
                $"schema_columns.columns names the same column more than once: {string.Join(", ", duplicate.Select(c => $"\"{WireJson.Truncate(c.Name)}\""))} (names are compared ignoring ASCII case, as SQLite does).");

        var ordinals = columns.Where(c => c.PkOrdinal > 0).Select(c => c.PkOrdinal).Order().ToArray();
        if (!ordinals.SequenceEqual(Enumerable.Range(1, ordinals.Length)))
            return SchemaColumnsParse.Invalid(
                $"schema_columns.columns has the pk_ordinal values [{string.Join(", ", ordinals)}]; the key columns must be numbered exactly 1..{ordinals.Length}.");

        return new SchemaColumnsParse(true, new SchemaFingerprint(tableName, columns), null);
    }

    private static string? UnknownField(JsonElement obj, string[] allowed)
    {
        foreach (var property in obj.EnumerateObject())
            if (Array.IndexOf(allowed, property.Name) < 0)
                return property.Name;
        return null;
    }

    /// <summary>Equality ignoring the case of ASCII letters only, as SQLite compares identifiers.</summary>
    private sealed class AsciiCaseInsensitive : IEqualityComparer<string>
    {
        public static AsciiCaseInsensitive Comparer { get; } = new();

        public bool Equals(string? x, string? y) =>
            x is not null && y is not null && x.Length == y.Length && Fold(x) == Fold(y);

        public int GetHashCode(string obj) => StringComparer.Ordinal.GetHashCode(Fold(obj));

        private static string Fold(string s) => string.Create(s.Length, s, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
                span[i] = source[i] is >= 'A' and <= 'Z' ? (char)(source[i] + ('a' - 'A')) : source[i];
        });
    }
}
