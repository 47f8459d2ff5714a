#!/usr/bin/env bash
# Runs the EdgeSync test suite — the one command for developers and CI.
#
#   scripts/test.sh [dotnet test args...]      e.g. scripts/test.sh --filter FullyQualifiedName~Wire
#   scripts/test.sh --fast [dotnet test args...]   the pure tests only (Category=Fast), in seconds
#
# 1. Ensures PostgreSQL (scripts/postgres.sh with EDGESYNC_PG_FAST=1: a private cluster it
#    starts runs with fsync=off) and exports EDGESYNC_TEST_PG, the server's connection string
#    with Database=postgres; tests create their own throwaway databases (edgesync_*).
# 2. Drops edgesync_* databases left by earlier runs (older than
#    EDGESYNC_TEST_DB_MAX_AGE_MIN minutes, default 60, so concurrent runs on a shared server
#    are not disturbed; 0 drops them all). The service database is kept.
# 3. Installs the Debian packages the tests use when missing (sqlite3, mosquitto-clients,
#    tmux for the terminal UI tests, chromium for the board's browser tests, haproxy for the
#    cluster balancer tests).
# 4. Checks the code style (`dotnet format style --verify-no-changes`; a violation counts as a
#    failed test).
# 5. Runs `dotnet test EdgeSync.sln -c Release` with a TRX logger into <repo>/TestResults and
#    ends with one line `N passed, N failed[, N skipped]` computed from the TRX file(s).
#    The exit code is dotnet test's.
set -uo pipefail

repo=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 1

# --fast: only the pure tests (decisions, wire readers, naming; Category=Fast): no PostgreSQL,
# no broker, a few seconds.
if [ "${1:-}" = --fast ]; then
    shift
    exec dotnet test tests/EdgeSync.Tests -c Release --filter "Category=Fast" "$@"
fi
log() { printf 'test.sh: %s\n' "$*" >&2; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [ "${CI:-}" = true ]; then
    # No long-lived MSBuild nodes left behind by a CI run.
    export MSBUILDDISABLENODEREUSE=1
fi

# --- 1. PostgreSQL ---------------------------------------------------------------------
export EDGESYNC_PG_FAST=1
# shellcheck source=scripts/postgres.sh
source "$repo/scripts/postgres.sh" --lib
if ! edgesync_pg_ensure; then
    log "no PostgreSQL server for the tests"
    echo "0 passed, 1 failed"
    exit 1
fi
started_pg=${EDGESYNC_PG_STARTED:-0}
EDGESYNC_TEST_PG=$(edgesync_pg_with_database "$EDGESYNC_PG" postgres)
export EDGESYNC_TEST_PG
log "EDGESYNC_TEST_PG=$EDGESYNC_TEST_PG"

# --- 2. Leftover test databases --------------------------------------------------------
_edgesync_pg_parse "$EDGESYNC_PG"
service_db=${_EPG_DB:-edgesync}
_edgesync_pg_parse "$EDGESYNC_TEST_PG"
if ! old_dbs=$(_edgesync_pg_psql postgres -v "keep1=$service_db" \
    -v "keep2=${EDGESYNC_PG_DATABASE:-edgesync}" -v "age=${EDGESYNC_TEST_DB_MAX_AGE_MIN:-60}" 2>&1 <<'SQL'
SELECT d.datname
FROM pg_database d
WHERE d.datname LIKE 'edgesync\_%'
  AND d.datname NOT IN (:'keep1', :'keep2')
  AND (:'age'::int = 0
       OR (pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification
          < now() - make_interval(mins => :'age'::int));
SQL
); then
    log "warning: could not list old test databases: $old_dbs"
    old_dbs=""
fi
dropped=0
while IFS= read -r name; do
    [ -n "$name" ] || continue
    if _edgesync_pg_psql postgres -v "n=$name" >/dev/null <<'SQL'
SELECT format('DROP DATABASE %I WITH (FORCE)', :'n')
\gexec
SQL
    then dropped=$((dropped + 1)); else log "warning: could not drop database $name"; fi
done <<<"$old_dbs"
[ "$dropped" = 0 ] || log "dropped $dropped old test database(s)"

# --- 3. Debian packages the tests use --------------------------------------------------
missing=()
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto)
# The terminal UI tests drive `edgesync` in a real terminal: a detached tmux session.
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
# The board tests open the pages in Debian's headless chromium (driven over DevTools, no download).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The cluster balancer tests run HAProxy in front of node processes (scripts/balancer.sh).
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        log "installing ${missing[*]}"
        { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
            </dev/null >&2 || log "warning: apt-get install ${missing[*]} failed; tests that need them will fail"
    else
        log "warning: ${missing[*]} missing and not root; tests that need them will fail"
    fi
fi

# --- 4. code style ---------------------------------------------------------------------
# The style rules of .editorconfig (unused usings, file-scoped namespaces, readonly fields, …).
# Whitespace is left to review: the formatter's layout of initializers and switch arms reads
# worse than what the code has. A violation fails the run (counted as one failed test).
style_failed=0
if ! dotnet restore EdgeSync.sln -v q >/dev/null 2>&1 \
    || ! dotnet format style EdgeSync.sln --verify-no-changes --no-restore >&2; then
    log "code style: 'dotnet format style EdgeSync.sln' would change files (run it, or see above)"
    style_failed=1
fi

# --- 5. dotnet test ----------------------------------------------------------------------
results=$repo/TestResults
rm -rf -- "$results"
mkdir -p -- "$results"
console=$results/dotnet-test.log

dotnet test EdgeSync.sln -c Release \
    --logger "trx;LogFileName=results.trx" \
    --logger "console;verbosity=normal" \
    --results-directory "$results" "$@" </dev/null 2>&1 | tee "$console"
rc=${PIPESTATUS[0]}

# Sum the <Counters .../> of every TRX file.
passed=0 failed=0 skipped=0 found=0
counter() {
    local v
    v=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2")
    printf '%s' "${v:-0}"
}
while IFS= read -r -d '' trx; do
    c=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    [ -n "$c" ] || continue
    found=$((found + 1))
    total=$(counter total "$c"); executed=$(counter executed "$c")
    passed=$((passed + $(counter passed "$c")))
    failed=$((failed + $(counter failed "$c") + $(counter error "$c") + $(counter timeout "$c") + $(counter aborted "$c")))
    # xunit's skipped tests are counted in total but not in executed.
    if [ "$total" -gt "$executed" ]; then skipped=$((skipped + total - executed)); fi
done < <(find "$results" -name '*.trx' -print0 2>/dev/null)

# Several test projects write the same results.trx one after the other: then only the
# last survives, and dotnet's own per-assembly summary lines are the complete count.
if [ "$found" -gt 0 ] && grep -q 'Overwriting results file' "$console"; then
    log "several test projects shared results.trx; counting from dotnet's summary lines"
    # Each assembly ends with "Total tests: N" then "     Passed: N", "     Failed: N",
    # "    Skipped: N" lines.
    read -r passed failed skipped < <(awk '
        /^Total tests: [0-9]+/ { block = 1; next }
        block && /^ +Passed: +[0-9]+ *$/ { p += $2; next }
        block && /^ +Failed: +[0-9]+ *$/ { f += $2; next }
        block && /^ +Skipped: +[0-9]+ *$/ { s += $2; next }
        { block = 0 }
        END { print p + 0, f + 0, s + 0 }' "$console")
fi

if [ "${CI:-}" = true ]; then
    dotnet build-server shutdown >/dev/null 2>&1 || true
    if [ "$started_pg" = 1 ]; then edgesync_pg_stop >/dev/null 2>&1 || true; fi
fi

if [ "$style_failed" = 1 ]; then
    failed=$((failed + 1))
    [ "$rc" -ne 0 ] || rc=1
fi
if [ "$found" = 0 ]; then
    log "no TRX file in $results: the build failed or the test run did not start (dotnet exit code $rc)"
    echo "0 passed, 1 failed"
    [ "$rc" -ne 0 ] && exit "$rc"
    exit 1
fi
if [ "$rc" -ne 0 ] && [ "$failed" = 0 ]; then
    log "dotnet test exited with code $rc although no test failed (build error, crash or cleanup failure: see above)"
elif [ "$rc" = 0 ] && [ "$failed" -gt 0 ]; then
    log "dotnet test exited 0 but $failed test(s) failed"
    rc=1
fi
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
exit "$rc"
