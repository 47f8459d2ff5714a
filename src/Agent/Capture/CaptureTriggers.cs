using System.Text;

namespace EdgeSync.Agent.Capture;

/// <summary>
/// The SQL of the three capture triggers of a table (AFTER INSERT / UPDATE / DELETE), which
/// append to <c>__edgesync_journal</c>, and of the baseline that journals a table's current rows.
/// <para>
/// Values are turned into JSON text by the triggers themselves, by storage class (what the wire
/// protocol asks): INTEGER → JSON integer, TEXT → JSON string (<c>json_quote</c>), NULL → null,
/// BLOB → <c>{"$edgesync_blob":"HEX"}</c> because SQLite has no base64 function (the publisher
/// re-encodes it as base64), REAL → <c>{"$edgesync_real":[M,E]}</c> with v = M · 2^(E−52),
/// 2^52 ≤ |M| &lt; 2^53 (the publisher turns it back into the double and writes its shortest
/// round-trip text). Decimal text made by SQLite depends on its version and build: 3.40's
/// <c>printf('%!.17g')</c> misrenders about 0.2 % of doubles, e.g. 1.4222534544379405e+253
/// comes out as …404e+253. The mantissa and exponent come from the largest power of two not above
/// |v| in <see cref="PowersOfTwo.Table"/>: v / 2^E is exact, and so is its product with 2^52, an
/// integer below 2^53. Zero → 0.0 (SQL cannot see the sign of −0.0); ±Inf, which JSON cannot
/// hold, → null.
/// </para>
/// <para>
/// Every journal row carries the schema hash its trigger was generated for, as a literal: the
/// columns of a row always match the hash it is published under, even for changes made between
/// an ALTER TABLE and the moment the agent reinstalls the triggers.
/// </para>
/// An UPDATE that changes the primary key is journaled as a delete of the old key followed by an
/// insert of the new one.
/// </summary>
public static class CaptureTriggers
{
    public const string Journal = "__edgesync_journal";
    public const string BlobMarker = "$edgesync_blob";
    public const string RealMarker = "$edgesync_real";

    public static string InsertTrigger(string table) => $"__edgesync_{table}_insert";
    public static string UpdateTrigger(string table) => $"__edgesync_{table}_update";
    public static string DeleteTrigger(string table) => $"__edgesync_{table}_delete";

    public static IReadOnlyList<string> Names(string table) => [InsertTrigger(table), UpdateTrigger(table), DeleteTrigger(table)];

    /// <summary>The three CREATE TRIGGER statements.</summary>
    public static IReadOnlyList<string> Create(TableShape shape)
    {
        var t = SqlText.Identifier(shape.Name);
        var tableLiteral = SqlText.Literal(shape.Name);
        var hash = SqlText.Literal(shape.Hash);
        var insertInto = $"INSERT INTO {Journal} (table_name, op, pk, row, schema_hash)";
        var keyChanged = "(" + string.Join(" OR ", shape.Key.Select(k =>
        {
            var column = SqlText.Identifier(k.Name);
            return $"OLD.{column} IS NOT NEW.{column} COLLATE BINARY OR typeof(OLD.{column}) IS NOT typeof(NEW.{column})";
        })) + ")";

        return
        [
            $"""
            CREATE TRIGGER {SqlText.Identifier(InsertTrigger(shape.Name))} AFTER INSERT ON {t} BEGIN
              {insertInto} VALUES ({tableLiteral}, 'insert', {PkJson(shape, "NEW.")}, {RowJson(shape, "NEW.")}, {hash});
            END
            """,
            $"""
            CREATE TRIGGER {SqlText.Identifier(UpdateTrigger(shape.Name))} AFTER UPDATE ON {t} BEGIN
              {insertInto} SELECT {tableLiteral}, 'delete', {PkJson(shape, "OLD.")}, NULL, {hash} WHERE {keyChanged};
              {insertInto} VALUES ({tableLiteral}, CASE WHEN {keyChanged} THEN 'insert' ELSE 'update' END, {PkJson(shape, "NEW.")}, {RowJson(shape, "NEW.")}, {hash});
            END
            """,
            $"""
            CREATE TRIGGER {SqlText.Identifier(DeleteTrigger(shape.Name))} AFTER DELETE ON {t} BEGIN
              {insertInto} VALUES ({tableLiteral}, 'delete', {PkJson(shape, "OLD.")}, NULL, {hash});
            END
            """,
        ];
    }

    /// <summary>DROP TRIGGER IF EXISTS for the three triggers.</summary>
    public static IReadOnlyList<string> Drop(string table) =>
        Names(table).Select(name => $"DROP TRIGGER IF EXISTS {SqlText.Identifier(name)}").ToArray();

    /// <summary>Journals every current row of the table as an insert (in key order).</summary>
    public static string Baseline(TableShape shape) =>
        $"""
        INSERT INTO {Journal} (table_name, op, pk, row, schema_hash)
        SELECT {SqlText.Literal(shape.Name)}, 'insert', {PkJson(shape, BaselineRow + ".")}, {RowJson(shape, BaselineRow + ".")}, {SqlText.Literal(shape.Hash)}
        FROM {SqlText.Identifier(shape.Name)} AS {BaselineRow}
        ORDER BY {string.Join(", ", shape.Key.Select(k => SqlText.Identifier(k.Name)))}
        """;

    /// <summary>
    /// True when <paramref name="installed"/> (trigger name → SQL as sqlite_master keeps it) holds
    /// exactly the triggers this agent generates for <paramref name="shape"/>. The whole text is
    /// compared, not just the schema hash it carries: triggers installed by an older agent with
    /// another value encoding (or changed by hand) are replaced on upgrade, with a baseline.
    /// </summary>
    public static bool AreCurrent(IReadOnlyDictionary<string, string> installed, TableShape shape)
    {
        var expected = Create(shape);
        var names = Names(shape.Name);
        return installed.Count == names.Count
            && names.Select((name, i) => installed.TryGetValue(name, out var sql) && sql == expected[i]).All(same => same);
    }

    private static string PkJson(TableShape shape, string prefix) => ObjectJson(shape.Key.Select(k => k.Name), prefix);

    private static string RowJson(TableShape shape, string prefix) => ObjectJson(shape.Columns.Select(c => c.Name), prefix);

    /// <summary>A SQL expression that builds a JSON object text from the named columns.</summary>
    private static string ObjectJson(IEnumerable<string> columns, string prefix)
    {
        var sql = new StringBuilder("'{'");
        var first = true;
        foreach (var column in columns)
        {
            var key = (first ? "" : ",") + SqlText.JsonString(column) + ":";
            sql.Append(" || ").Append(SqlText.Literal(key)).Append(" || ").Append(ValueJson(prefix + SqlText.Identifier(column)));
            first = false;
        }
        return sql.Append(" || '}'").ToString();
    }

    /// <summary>A SQL expression giving the JSON text of one value; never NULL, never an error.</summary>
    private static string ValueJson(string v) =>
        $"(CASE typeof({v}) WHEN 'integer' THEN CAST({v} AS TEXT) " +
        $"WHEN 'real' THEN {RealJson(v)} " +
        $"WHEN 'text' THEN json_quote({v}) " +
        $"WHEN 'blob' THEN '{{\"{BlobMarker}\":\"' || hex({v}) || '\"}}' " +
        "ELSE 'null' END)";

    /// <summary>
    /// The JSON of a REAL <paramref name="v"/>: 0.0, null (±Inf) or the marker. One correlated
    /// subquery, not nested ones: a deep expression per column overflows SQLite's parser stack on
    /// wide tables. Both the powers-of-two table and the baseline's row are read through aliases,
    /// so that a user column named <c>p</c> or <c>e</c> is never taken for the lookup's columns,
    /// nor the reverse.
    /// </summary>
    private static string RealJson(string v) =>
        $"(CASE WHEN {v} = 0 THEN '0.0' " +
        $"WHEN {v} BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308 THEN " +
        $"(SELECT '{{\"{RealMarker}\":[' || CAST({v} / {Pow2}.p * 4503599627370496.0 AS INTEGER) || ',' || {Pow2}.e || ']}}' " +
        $"FROM {PowersOfTwo.Table} AS {Pow2} WHERE {Pow2}.p <= abs({v}) ORDER BY {Pow2}.p DESC LIMIT 1) " +
        "ELSE 'null' END)";

    private const string Pow2 = "__edgesync_p2";
    private const string BaselineRow = "__edgesync_row";
}
