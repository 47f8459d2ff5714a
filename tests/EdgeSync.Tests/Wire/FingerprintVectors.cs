namespace EdgeSync.Tests.Wire;

/// <summary>
/// Schema fingerprint test vectors, derived independently of the C# code by
/// <c>fingerprint-vectors.sh</c> (next to this file): the sqlite3 CLI (3.40.1) created each table and
/// reported its columns with <c>PRAGMA table_info</c>; SQLite itself decided each declared type's
/// affinity (<c>typeof(CAST('1.5' AS T))</c>, <c>typeof(CAST('1' AS T))</c>); jq sorted the columns
/// by name bytewise and printed the keys sorted and compact (<c>jq -cSj</c>); <c>sha256sum</c> hashed
/// the bytes. The columns below are copied from that PRAGMA output, in declaration (cid) order.
/// </summary>
public static class FingerprintVectors
{
    public sealed record Column(string Name, string DeclaredType, string Affinity, bool NotNull, int PkOrdinal);

    public sealed record Vector(string Table, string CreateTable, Column[] Columns, string Hash, string? Canonical = null)
    {
        public override string ToString() => Table;
    }

    /// <summary>The protocol's example; its canonical form is the one printed in docs/device-protocol.md.</summary>
    public static readonly Vector DeviceState = new(
        "device_state",
        "CREATE TABLE device_state (mode TEXT, id INTEGER PRIMARY KEY NOT NULL, setpoint REAL)",
        [
            new("mode", "TEXT", "TEXT", false, 0),
            new("id", "INTEGER", "INTEGER", true, 1),
            new("setpoint", "REAL", "REAL", false, 0),
        ],
        "2eca4022338318bb748bc0266ee4c9d9188aa84f3782687f9b585d36a9e79530",
        """{"columns":[{"decl_type_affinity":"INTEGER","name":"id","not_null":true,"pk_ordinal":1},{"decl_type_affinity":"TEXT","name":"mode","not_null":false,"pk_ordinal":0},{"decl_type_affinity":"REAL","name":"setpoint","not_null":false,"pk_ordinal":0}],"table_name":"device_state"}""");

    /// <summary>A composite key declared in another order than the columns (site, sensor, ts).</summary>
    public static readonly Vector Readings = new(
        "readings",
        "CREATE TABLE readings (sensor TEXT NOT NULL, value REAL, ts INTEGER NOT NULL, site TEXT NOT NULL, PRIMARY KEY (site, sensor, ts))",
        [
            new("sensor", "TEXT", "TEXT", true, 2),
            new("value", "REAL", "REAL", false, 0),
            new("ts", "INTEGER", "INTEGER", true, 3),
            new("site", "TEXT", "TEXT", true, 1),
        ],
        "56a971958e224a68bbb5122fe58641781d99b0383a2611e643f9215059bb1865",
        """{"columns":[{"decl_type_affinity":"TEXT","name":"sensor","not_null":true,"pk_ordinal":2},{"decl_type_affinity":"TEXT","name":"site","not_null":true,"pk_ordinal":1},{"decl_type_affinity":"INTEGER","name":"ts","not_null":true,"pk_ordinal":3},{"decl_type_affinity":"REAL","name":"value","not_null":false,"pk_ordinal":0}],"table_name":"readings"}""");

    /// <summary>Every affinity rule, including the surprising ones (FLOATING POINT and POINT contain "INT").</summary>
    public static readonly Vector AffinityZoo = new(
        "affinity_zoo",
        """
        CREATE TABLE affinity_zoo (
          id INTEGER PRIMARY KEY,
          a_int INT, b_varchar VARCHAR(10), c_double DOUBLE PRECISION, d_floating FLOATING POINT,
          e_untyped, f_decimal DECIMAL(10,5), g_boolean BOOLEAN, h_charint CHARINT, i_blob BLOB,
          j_clob CLOB, k_text TEXT, l_datetime DATETIME, m_bigint bigint, n_dotless ıNT,
          o_real REAL, p_float FLOAT, q_nchar NCHAR(5), r_string STRING, s_point POINT,
          t_blobtext BLOBTEXT, u_mixed_case VarChar NOT NULL)
        """,
        [
            new("id", "INTEGER", "INTEGER", false, 1),
            new("a_int", "INT", "INTEGER", false, 0),
            new("b_varchar", "VARCHAR(10)", "TEXT", false, 0),
            new("c_double", "DOUBLE PRECISION", "REAL", false, 0),
            new("d_floating", "FLOATING POINT", "INTEGER", false, 0),
            new("e_untyped", "", "BLOB", false, 0),
            new("f_decimal", "DECIMAL(10,5)", "NUMERIC", false, 0),
            new("g_boolean", "BOOLEAN", "NUMERIC", false, 0),
            new("h_charint", "CHARINT", "INTEGER", false, 0),
            new("i_blob", "BLOB", "BLOB", false, 0),
            new("j_clob", "CLOB", "TEXT", false, 0),
            new("k_text", "TEXT", "TEXT", false, 0),
            new("l_datetime", "DATETIME", "NUMERIC", false, 0),
            new("m_bigint", "bigint", "INTEGER", false, 0),
            new("n_dotless", "ıNT", "NUMERIC", false, 0),
            new("o_real", "REAL", "REAL", false, 0),
            new("p_float", "FLOAT", "REAL", false, 0),
            new("q_nchar", "NCHAR(5)", "TEXT", false, 0),
            new("r_string", "STRING", "NUMERIC", false, 0),
            new("s_point", "POINT", "INTEGER", false, 0),
            new("t_blobtext", "BLOBTEXT", "TEXT", false, 0),
            new("u_mixed_case", "VarChar", "TEXT", true, 0),
        ],
        "b2167ab524ad5e922601812fb7b5109a23b31b224f1969e83e3449ce9f31a9d5");

    /// <summary>
    /// Non-ASCII table and column names, a name with a quote and a backslash, one with a tab, and
    /// "ｚ" (U+FF5A) / "😀" (U+1F600), which sort one way by UTF-8 bytes and the other by UTF-16 units.
    /// </summary>
    public static readonly Vector Capteurs = new(
        "capteurs_é",
        "CREATE TABLE \"capteurs_é\" (\"température\" REAL NOT NULL, \"we\"\"ird\\name\" TEXT, \"tab\tname\" INT, \"😀\" TEXT, \"ｚ\" TEXT, \"Zeta\" BLOB, \"alpha\" NUMERIC NOT NULL, \"id\" TEXT PRIMARY KEY)",
        [
            new("température", "REAL", "REAL", true, 0),
            new("we\"ird\\name", "TEXT", "TEXT", false, 0),
            new("tab\tname", "INT", "INTEGER", false, 0),
            new("😀", "TEXT", "TEXT", false, 0),
            new("ｚ", "TEXT", "TEXT", false, 0),
            new("Zeta", "BLOB", "BLOB", false, 0),
            new("alpha", "NUMERIC", "NUMERIC", true, 0),
            new("id", "TEXT", "TEXT", false, 1),
        ],
        "de3f2e051cdd218997481a5b5fc40e0607a65b47c078d109bd1af4cadf379159",
        """{"columns":[{"decl_type_affinity":"BLOB","name":"Zeta","not_null":false,"pk_ordinal":0},{"decl_type_affinity":"NUMERIC","name":"alpha","not_null":true,"pk_ordinal":0},{"decl_type_affinity":"TEXT","name":"id","not_null":false,"pk_ordinal":1},{"decl_type_affinity":"INTEGER","name":"tab\tname","not_null":false,"pk_ordinal":0},{"decl_type_affinity":"REAL","name":"température","not_null":true,"pk_ordinal":0},{"decl_type_affinity":"TEXT","name":"we\"ird\\name","not_null":false,"pk_ordinal":0},{"decl_type_affinity":"TEXT","name":"ｚ","not_null":false,"pk_ordinal":0},{"decl_type_affinity":"TEXT","name":"😀","not_null":false,"pk_ordinal":0}],"table_name":"capteurs_é"}""");

    /// <summary>A table without a declared primary key (all pk_ordinal 0).</summary>
    public static readonly Vector EventLog = new(
        "event_log",
        "CREATE TABLE event_log (message TEXT, level INTEGER)",
        [
            new("message", "TEXT", "TEXT", false, 0),
            new("level", "INTEGER", "INTEGER", false, 0),
        ],
        "e4b26d28602a66c4835643ccf9adb28936000cf4b2b748b53ae656a3d5094958");

    /// <summary>A column name with U+001F (escaped as \u001f) that sorts before "a b" (0x1F &lt; 0x20).</summary>
    public static readonly Vector Ctl = new(
        "ctl",
        "CREATE TABLE ctl (\"a\u001fb\" TEXT PRIMARY KEY, \"a b\" TEXT)",
        [
            new("a\u001fb", "TEXT", "TEXT", false, 1),
            new("a b", "TEXT", "TEXT", false, 0),
        ],
        "bc93b40779e06e6b6f8637017ee0fcac715ede277992c4ec7130bc0976257ad5",
        """{"columns":[{"decl_type_affinity":"TEXT","name":"a\u001fb","not_null":false,"pk_ordinal":1},{"decl_type_affinity":"TEXT","name":"a b","not_null":false,"pk_ordinal":0}],"table_name":"ctl"}""");

    public static readonly Vector[] All = [DeviceState, Readings, AffinityZoo, Capteurs, EventLog, Ctl];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var vector in All) data.Add(vector.Table);
        return data;
    }

    public static Vector Named(string table) => All.Single(v => v.Table == table);
}
