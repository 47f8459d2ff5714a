using System.Text;

namespace EdgeSync.Agent.Capture;

/// <summary>
/// The SQL of the three capture triggers of a table (AFTER INSERT / UPDATE / DELETE), which
/// append to <c>__edgesync_journal</c>, and of the baseline that journals a table's current rows.
/// <para>
/// Values are turned into JSON text by the triggers themselves, by storage class (what the wire
/// protocol asks): INTEGER → JSON integer, REAL → number (17 significant digits, so the double
/// survives whatever SQLite version the application runs; ±Inf, which JSON cannot hold, → null),
/// TEXT → JSON string (<c>json_quote</c>), NULL → null, BLOB → <c>{"$edgesync_blob":"HEX"}</c>
/// because SQLite has no base64 function (the publisher re-encodes it as base64).
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
        SELECT {SqlText.Literal(shape.Name)}, 'insert', {PkJson(shape, "")}, {RowJson(shape, "")}, {SqlText.Literal(shape.Hash)}
        FROM {SqlText.Identifier(shape.Name)}
        ORDER BY {string.Join(", ", shape.Key.Select(k => SqlText.Identifier(k.Name)))}
        """;

    /// <summary>True when the trigger SQL is the one generated for <paramref name="hash"/>.</summary>
    public static bool IsFor(string triggerSql, string hash) => triggerSql.Contains($"'{hash}'", StringComparison.Ordinal);

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
        $"WHEN 'real' THEN (CASE WHEN {v} BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308 THEN printf('%!.17g', {v}) ELSE 'null' END) " +
        $"WHEN 'text' THEN json_quote({v}) " +
        $"WHEN 'blob' THEN '{{\"{BlobMarker}\":\"' || hex({v}) || '\"}}' " +
        "ELSE 'null' END)";
}
