#!/usr/bin/env bash
# Derives the schema fingerprint vectors hard-coded in SchemaFingerprintVectorTests.cs,
# independently of the C# implementation:
#   * SQLite (the sqlite3 CLI) creates the tables and reports their columns (PRAGMA table_info);
#   * SQLite also decides each declared type's affinity: CAST uses the same affinity rules as a
#     column, and typeof(CAST('1.5' AS T)) , typeof(CAST('1' AS T)) tells the five apart
#     (integer,integer = INTEGER; real,real = REAL; real,integer = NUMERIC; text,text = TEXT;
#     blob,blob = BLOB). A column without a declared type cannot be CAST to; it is probed by
#     storage instead (a BLOB/"none" column keeps 1 as integer and '1' as text);
#   * jq sorts the columns by name (jq compares strings bytewise, i.e. UTF-8 byte order), sorts
#     the keys (-S), prints compactly (-c) without a trailing newline (-j);
#   * sha256sum hashes those bytes.
# Usage: bash fingerprint-vectors.sh   (needs sqlite3, jq, sha256sum)
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/vectors.db"

sqlite3 "$db" <<'SQL'
CREATE TABLE device_state (mode TEXT, id INTEGER PRIMARY KEY NOT NULL, setpoint REAL);
CREATE TABLE readings (sensor TEXT NOT NULL, value REAL, ts INTEGER NOT NULL, site TEXT NOT NULL,
                       PRIMARY KEY (site, sensor, ts));
CREATE TABLE affinity_zoo (
  id INTEGER PRIMARY KEY,
  a_int INT, b_varchar VARCHAR(10), c_double DOUBLE PRECISION, d_floating FLOATING POINT,
  e_untyped, f_decimal DECIMAL(10,5), g_boolean BOOLEAN, h_charint CHARINT, i_blob BLOB,
  j_clob CLOB, k_text TEXT, l_datetime DATETIME, m_bigint bigint, n_dotless ıNT,
  o_real REAL, p_float FLOAT, q_nchar NCHAR(5), r_string STRING, s_point POINT,
  t_blobtext BLOBTEXT, u_mixed_case VarChar NOT NULL);
CREATE TABLE "capteurs_é" ("température" REAL NOT NULL, "we""ird\name" TEXT, "tab	name" INT,
  "😀" TEXT, "ｚ" TEXT, "Zeta" BLOB, "alpha" NUMERIC NOT NULL, "id" TEXT PRIMARY KEY);
CREATE TABLE event_log (message TEXT, level INTEGER);
SQL
# A column name with a unit separator (U+001F), added from bash so that the byte is exact.
sqlite3 "$db" "CREATE TABLE ctl (\"a$(printf '\x1f')b\" TEXT PRIMARY KEY, \"a b\" TEXT)"

# Sanity: a column without a declared type has BLOB affinity (keeps 1 as integer, '1' as text).
probe=$(sqlite3 "$db" "CREATE TEMP TABLE p(x); INSERT INTO p VALUES (1), ('1'); SELECT group_concat(typeof(x)) FROM p;")
[ "$probe" = "integer,text" ] || { echo "unexpected untyped probe: $probe" >&2; exit 1; }

fingerprint() { # $1 = database, $2 = table
  local info sql
  info=$(sqlite3 -json "$1" "SELECT name, type, \"notnull\", pk FROM pragma_table_info('$(printf %s "$2" | sed "s/'/''/g")')")
  # One probe row per column, in cid order; the declared types of these tables contain no quotes.
  sql=$(jq -r '[.[] | if .type == "" then "SELECT '\''blob,blob'\'' AS probe"
                       else "SELECT typeof(CAST('\''1.5'\'' AS \(.type))) || '\'','\'' || typeof(CAST('\''1'\'' AS \(.type))) AS probe" end]
               | join(" UNION ALL ")' <<<"$info")
  sqlite3 -json "$1" "$sql" | jq -cSj --arg table "$2" --argjson info "$info" '
    def affinity: {"integer,integer":"INTEGER","real,real":"REAL","real,integer":"NUMERIC",
                   "text,text":"TEXT","blob,blob":"BLOB"}[.] // error("unknown probe \(.)");
    [range(0; $info | length) as $i
      | { name: $info[$i].name, decl_type_affinity: (.[$i].probe | affinity),
          not_null: ($info[$i].notnull == 1), pk_ordinal: $info[$i].pk }]
    | sort_by(.name) | { table_name: $table, columns: . }'
}

for table in device_state readings affinity_zoo "capteurs_é" event_log ctl; do
  canonical=$(fingerprint "$db" "$table")
  echo "== $table"
  echo "$canonical"
  printf %s "$canonical" | sha256sum | cut -d' ' -f1
done

# Column order independence: the same columns declared in another order hash the same.
db2="$work/reordered.db"
sqlite3 "$db2" "CREATE TABLE device_state (setpoint REAL, id INTEGER NOT NULL PRIMARY KEY, mode TEXT);"
[ "$(fingerprint "$db" device_state)" = "$(fingerprint "$db2" device_state)" ] && echo "== reordered device_state: same canonical form"
