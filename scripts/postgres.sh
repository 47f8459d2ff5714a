#!/usr/bin/env bash
# Ensures a PostgreSQL server is reachable for EdgeSync and exports its Npgsql connection
# string as EDGESYNC_PG.
#
#   scripts/postgres.sh [start]     ensure a server, print EDGESYNC_PG=<connection string>
#   scripts/postgres.sh stop        stop the private cluster (if it is running)
#   scripts/postgres.sh status      show where the private cluster lives and whether it runs
#   source scripts/postgres.sh      same as start, and EDGESYNC_PG is exported in your shell
#   source scripts/postgres.sh --lib   only define the functions (used by run.sh / test.sh):
#                                   edgesync_pg_ensure, edgesync_pg_stop, edgesync_pg_with_database
#
# Which server:
#   1. EDGESYNC_PG (an Npgsql connection string), if set; it is an error when it does not answer.
#   2. Otherwise a private cluster on 127.0.0.1:${EDGESYNC_PG_PORT:-55432}. A server that
#      already answers on that port is reused as is; else the private cluster in <repo>/.data/pg
#      (or /var/lib/edgesync/pg-<hash> when postgres cannot reach the repo folder) is created
#      or started. PostgreSQL is installed with apt-get when no initdb is found.
#
# Environment:
#   EDGESYNC_PG            external server to use (Host=...;Port=...;Database=...;Username=...)
#   EDGESYNC_PG_PORT       port of the private cluster (default 55432)
#   EDGESYNC_PG_DATABASE   database to create/use on the private cluster (default edgesync)
#   EDGESYNC_PG_DATA       data folder of the private cluster (default: see above)
#   EDGESYNC_PG_FAST=1     start the private cluster with fsync=off (tests only; never for data
#                          you want to keep)
#
# Runs as root (the cluster runs as the `postgres` OS user) or as an ordinary user (the
# cluster then runs as that user; PostgreSQL must already be installed).

_edgesync_pg_log() { printf 'postgres.sh: %s\n' "$*" >&2; }

# Repository root = parent of the folder holding this file.
_edgesync_pg_repo() {
    local here
    here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd) || return 1
    (cd -P -- "$here/.." && pwd)
}

_edgesync_pg_hash() { printf '%s' "$1" | sha256sum | cut -c1-12; }

_edgesync_pg_is_root() { [ "$(id -u)" = 0 ]; }

# Runs a command as the OS user that owns the private cluster, from / (postgres may not be
# allowed into the caller's working directory).
_edgesync_pg_as_owner() {
    if _edgesync_pg_is_root; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u postgres -- "$@")
        else
            local cmd
            cmd=$(printf '%q ' "$@")
            (cd / && su -s /bin/sh postgres -c "$cmd")
        fi
    else
        (cd / && "$@")
    fi
}

_edgesync_pg_apt_install() {
    if ! _edgesync_pg_is_root; then
        _edgesync_pg_log "need the Debian package(s) $*, but not running as root: install them first"
        return 1
    fi
    _edgesync_pg_log "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 &&
        apt-get install -y -q --no-install-recommends "$@" >&2 </dev/null
}

# Newest /usr/lib/postgresql/<ver>/bin holding the given program, or empty.
_edgesync_pg_newest_bin() {
    local prog=$1 candidate best="" best_ver=0 ver
    for candidate in /usr/lib/postgresql/*/bin; do
        [ -x "$candidate/$prog" ] || continue
        ver=${candidate#/usr/lib/postgresql/}
        ver=${ver%%/*}
        case $ver in '' | *[!0-9]*) continue ;; esac
        if [ "$ver" -gt "$best_ver" ]; then best_ver=$ver; best=$candidate; fi
    done
    printf '%s' "$best"
}

# Sets _EPG_PSQL and _EPG_ISREADY (client tools), installing the client if needed.
_edgesync_pg_client_tools() {
    local bin
    bin=$(_edgesync_pg_newest_bin psql)
    if [ -n "$bin" ] && [ -x "$bin/pg_isready" ]; then
        _EPG_PSQL=$bin/psql; _EPG_ISREADY=$bin/pg_isready; return 0
    fi
    if command -v psql >/dev/null 2>&1 && command -v pg_isready >/dev/null 2>&1; then
        _EPG_PSQL=$(command -v psql); _EPG_ISREADY=$(command -v pg_isready); return 0
    fi
    _edgesync_pg_apt_install postgresql-client || return 1
    bin=$(_edgesync_pg_newest_bin psql)
    if [ -n "$bin" ]; then _EPG_PSQL=$bin/psql; _EPG_ISREADY=$bin/pg_isready; return 0; fi
    _edgesync_pg_log "psql/pg_isready not found even after installing postgresql-client"
    return 1
}

# Parses an Npgsql connection string into _EPG_HOST _EPG_PORT _EPG_DB _EPG_USER _EPG_PASS _EPG_SSL.
_edgesync_pg_parse() {
    local part key value
    local -a parts=()
    _EPG_HOST=localhost; _EPG_PORT=5432; _EPG_DB=""; _EPG_USER=""; _EPG_PASS=""; _EPG_SSL=""
    IFS=';' read -r -a parts <<<"$1"
    for part in "${parts[@]}"; do
        [ -n "${part//[[:space:]]/}" ] || continue
        key=${part%%=*}; value=${part#*=}
        [ "$key" != "$part" ] || continue
        key=$(printf '%s' "$key" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')
        value=${value#"${value%%[![:space:]]*}"}; value=${value%"${value##*[![:space:]]}"}
        case $value in \"*\") value=${value:1:${#value}-2} ;; \'*\') value=${value:1:${#value}-2} ;; esac
        case $key in
            host | server) _EPG_HOST=$value ;;
            port) _EPG_PORT=$value ;;
            database | db) _EPG_DB=$value ;;
            username | user | userid | uid) _EPG_USER=$value ;;
            password | pwd | psw) _EPG_PASS=$value ;;
            sslmode)
                case $(printf '%s' "$value" | tr '[:upper:]' '[:lower:]') in
                    disable) _EPG_SSL=disable ;; allow) _EPG_SSL=allow ;; prefer) _EPG_SSL=prefer ;;
                    require) _EPG_SSL=require ;; verifyca | verify-ca) _EPG_SSL=verify-ca ;;
                    verifyfull | verify-full) _EPG_SSL=verify-full ;;
                esac ;;
        esac
    done
    # Npgsql allows "host1,host2" and "host:port"; libpq tools get the first host only.
    _EPG_HOST=${_EPG_HOST%%,*}
    case $_EPG_HOST in
        /*) ;;
        *:*) _EPG_PORT=${_EPG_HOST##*:}; _EPG_HOST=${_EPG_HOST%:*} ;;
    esac
    [ -n "$_EPG_USER" ] || _EPG_USER=${USER:-postgres}
}

# psql against the parsed server: _edgesync_pg_psql DB [psql args...]
_edgesync_pg_psql() {
    local db=$1; shift
    local -a envs=(PGHOST="$_EPG_HOST" PGPORT="$_EPG_PORT" PGUSER="$_EPG_USER" PGCONNECT_TIMEOUT=10)
    [ -z "$_EPG_PASS" ] || envs+=(PGPASSWORD="$_EPG_PASS")
    [ -z "$_EPG_SSL" ] || envs+=(PGSSLMODE="$_EPG_SSL")
    env "${envs[@]}" "$_EPG_PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}

_edgesync_pg_ready() { # [timeout seconds]
    "$_EPG_ISREADY" -q -h "$_EPG_HOST" -p "$_EPG_PORT" -t "${1:-3}" >/dev/null 2>&1
}

# Creates database $1 on the parsed server when it does not exist.
_edgesync_pg_create_db() {
    local db=$1 exists
    case $db in *\"* | '') _edgesync_pg_log "refusing database name '$db'"; return 1 ;; esac
    exists=$(_edgesync_pg_psql postgres -v "n=$db" <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'n';
SQL
) || { _edgesync_pg_log "cannot query $_EPG_HOST:$_EPG_PORT as $_EPG_USER"; return 1; }
    if [ "$exists" != 1 ]; then
        _edgesync_pg_log "creating database $db"
        _edgesync_pg_psql postgres -c "CREATE DATABASE \"$db\"" >/dev/null ||
            { _edgesync_pg_log "CREATE DATABASE $db failed"; return 1; }
    fi
}

# Prints connection string $1 with its Database replaced by $2.
edgesync_pg_with_database() {
    local db=$2 part key out=""
    local -a parts=()
    IFS=';' read -r -a parts <<<"$1"
    for part in "${parts[@]}"; do
        [ -n "${part//[[:space:]]/}" ] || continue
        key=$(printf '%s' "${part%%=*}" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')
        case $key in database | db) continue ;; esac
        out+="$part;"
    done
    printf '%sDatabase=%s' "$out" "$db"
}

# The private cluster's data folder (may not exist yet). Sets _EPG_DATA and _EPG_DATA_NOTE.
_edgesync_pg_data_dir() {
    local repo preferred fallback
    _EPG_DATA_NOTE=""
    if [ -n "${EDGESYNC_PG_DATA:-}" ]; then _EPG_DATA=$EDGESYNC_PG_DATA; return 0; fi
    repo=$(_edgesync_pg_repo) || return 1
    preferred=$repo/.data/pg
    fallback=/var/lib/edgesync/pg-$(_edgesync_pg_hash "$repo")
    if [ -f "$preferred/PG_VERSION" ]; then _EPG_DATA=$preferred; return 0; fi
    if [ -f "$fallback/PG_VERSION" ]; then
        _EPG_DATA=$fallback
        _EPG_DATA_NOTE="using $fallback (postgres cannot reach $repo)"
        return 0
    fi
    _EPG_DATA=$preferred
    # Only decide on a fallback when we are about to create a cluster.
    [ "${1:-}" = create ] || return 0
    mkdir -p -- "$repo/.data" 2>/dev/null || true
    if _edgesync_pg_is_root && ! _edgesync_pg_as_owner test -x "$repo/.data" 2>/dev/null; then
        # Our own git-ignored folder: let postgres through it, then check the parents.
        chmod a+x -- "$repo/.data" 2>/dev/null || true
        if ! _edgesync_pg_as_owner test -x "$repo/.data" 2>/dev/null; then
            _EPG_DATA=$fallback
            _EPG_DATA_NOTE="the postgres user cannot traverse the folders above $repo; using $fallback instead of $preferred"
            mkdir -p /var/lib/edgesync && chmod 755 /var/lib/edgesync || return 1
        fi
    fi
}

# Clears a postmaster.pid (and socket lock) left behind by a crashed server. Returns 2 when a
# live postmaster of this data folder listens on another port (port in _EPG_LIVE_PORT).
_edgesync_pg_clear_stale() {
    local pidfile=$_EPG_DATA/postmaster.pid pid cmd
    _EPG_LIVE_PORT=""
    [ -f "$pidfile" ] || return 0
    pid=$(head -n 1 "$pidfile" 2>/dev/null | tr -dc '0-9')
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ]; then
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
        case $cmd in
            *postgres*" -D $_EPG_DATA "*)
                _EPG_LIVE_PORT=$(sed -n 4p "$pidfile" 2>/dev/null | tr -dc '0-9')
                return 2 ;;
        esac
    fi
    _edgesync_pg_log "removing stale postmaster.pid (pid ${pid:-?} is not a running server of this folder)"
    rm -f -- "$pidfile" "$_EPG_DATA"/.s.PGSQL.*
}

# Runs a command with the lock fd closed, so a started server does not keep holding the lock.
_edgesync_pg_without_lock() {
    if [ -n "${_EPG_LOCKFD:-}" ]; then "$@" {_EPG_LOCKFD}>&-; else "$@"; fi
}

# Stops the private cluster.
edgesync_pg_stop() {
    local bin ver
    _edgesync_pg_data_dir || return 1
    if [ ! -f "$_EPG_DATA/PG_VERSION" ]; then
        _edgesync_pg_log "no private cluster at $_EPG_DATA"
        return 0
    fi
    ver=$(cat "$_EPG_DATA/PG_VERSION")
    bin=/usr/lib/postgresql/$ver/bin
    [ -x "$bin/pg_ctl" ] || bin=$(_edgesync_pg_newest_bin pg_ctl)
    if [ -z "$bin" ]; then _edgesync_pg_log "pg_ctl not found"; return 1; fi
    if ! _edgesync_pg_as_owner "$bin/pg_ctl" -D "$_EPG_DATA" status >/dev/null 2>&1; then
        _edgesync_pg_log "private cluster at $_EPG_DATA is not running"
        return 0
    fi
    _edgesync_pg_log "stopping private cluster at $_EPG_DATA"
    _edgesync_pg_as_owner "$bin/pg_ctl" -D "$_EPG_DATA" -m fast -w -t 60 stop >&2
}

edgesync_pg_status() {
    local bin=""
    _edgesync_pg_data_dir || return 1
    printf 'data folder: %s%s\n' "$_EPG_DATA" "${_EPG_DATA_NOTE:+ ($_EPG_DATA_NOTE)}"
    if [ ! -f "$_EPG_DATA/PG_VERSION" ]; then printf 'state: not created\n'; return 0; fi
    bin=/usr/lib/postgresql/$(cat "$_EPG_DATA/PG_VERSION")/bin
    if [ -x "$bin/pg_ctl" ] && _edgesync_pg_as_owner "$bin/pg_ctl" -D "$_EPG_DATA" status >/dev/null 2>&1; then
        printf 'state: running on port %s\n' "$(sed -n 4p "$_EPG_DATA/postmaster.pid" 2>/dev/null)"
    else
        printf 'state: stopped\n'
    fi
}

# Creates (initdb) and/or starts the private cluster on 127.0.0.1:$port.
_edgesync_pg_start_private() {
    local port=$1 bin ver owner sockdir rc
    local -a opts

    bin=$(_edgesync_pg_newest_bin initdb)
    if [ -z "$bin" ]; then
        _edgesync_pg_apt_install postgresql || return 1
        bin=$(_edgesync_pg_newest_bin initdb)
        [ -n "$bin" ] || { _edgesync_pg_log "initdb not found after installing postgresql"; return 1; }
    fi

    if _edgesync_pg_is_root; then
        if ! id postgres >/dev/null 2>&1; then
            _edgesync_pg_log "creating OS user postgres"
            if getent group postgres >/dev/null 2>&1; then
                useradd --system --gid postgres --home-dir /var/lib/postgresql --no-create-home --shell /bin/bash postgres || return 1
            else
                useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home --shell /bin/bash postgres || return 1
            fi
        fi
        owner=postgres
    else
        owner=$(id -un)
    fi

    _edgesync_pg_data_dir create || return 1
    [ -z "$_EPG_DATA_NOTE" ] || _edgesync_pg_log "$_EPG_DATA_NOTE"

    if [ ! -f "$_EPG_DATA/PG_VERSION" ]; then
        if [ -d "$_EPG_DATA" ] && [ -n "$(ls -A -- "$_EPG_DATA" 2>/dev/null)" ]; then
            local aside
            aside=$_EPG_DATA.broken-$(date +%Y%m%d%H%M%S)
            _edgesync_pg_log "$_EPG_DATA is not an initialised cluster; moving it to $aside"
            mv -- "$_EPG_DATA" "$aside" || return 1
        fi
        mkdir -p -- "$_EPG_DATA" || return 1
        chown "$owner:" -- "$_EPG_DATA" 2>/dev/null || chown "$owner" -- "$_EPG_DATA" || return 1
        chmod 700 -- "$_EPG_DATA" || return 1
        _edgesync_pg_log "initialising private cluster in $_EPG_DATA ($bin)"
        _edgesync_pg_as_owner "$bin/initdb" -D "$_EPG_DATA" -U postgres --auth=trust -E UTF8 \
            --locale=C.UTF-8 >"$_EPG_DATA.initdb.log" 2>&1 ||
            { cat "$_EPG_DATA.initdb.log" >&2; _edgesync_pg_log "initdb failed"; return 1; }
        rm -f -- "$_EPG_DATA.initdb.log"
    else
        # Use the binaries of the version that created the cluster.
        ver=$(cat "$_EPG_DATA/PG_VERSION")
        if [ -x "/usr/lib/postgresql/$ver/bin/pg_ctl" ]; then
            bin=/usr/lib/postgresql/$ver/bin
        else
            _edgesync_pg_log "cluster $_EPG_DATA was made by PostgreSQL $ver, which is not installed"
            return 1
        fi
        # Repair ownership/mode if someone touched it (e.g. a copy made as root).
        if [ "$(stat -c %U -- "$_EPG_DATA")" != "$owner" ]; then
            _edgesync_pg_log "giving $_EPG_DATA back to $owner"
            chown -R "$owner:" -- "$_EPG_DATA" || return 1
        fi
        chmod 700 -- "$_EPG_DATA" 2>/dev/null || true
    fi

    _edgesync_pg_clear_stale; rc=$?
    if [ "$rc" = 2 ] && [ "$_EPG_LIVE_PORT" = "$port" ]; then
        _edgesync_pg_log "private cluster is running on port $port but not answering yet; waiting"
        _edgesync_pg_ready 60 && return 0
        _edgesync_pg_log "it still does not answer; see $_EPG_DATA/server.log"
        return 1
    fi
    if [ "$rc" = 2 ]; then
        _edgesync_pg_log "the private cluster in $_EPG_DATA is already running, on port ${_EPG_LIVE_PORT:-?} (not $port)."
        _edgesync_pg_log "use EDGESYNC_PG_PORT=${_EPG_LIVE_PORT:-?}, or stop it first: scripts/postgres.sh stop"
        return 1
    fi

    # Unix sockets go inside the data folder; their path is limited to ~107 bytes.
    sockdir=$_EPG_DATA
    if [ $((${#sockdir} + 20)) -gt 100 ]; then
        _edgesync_pg_log "data folder path too long for a Unix socket; TCP only"
        sockdir=""
    fi
    opts=(-p "$port" -c listen_addresses=127.0.0.1 -c "unix_socket_directories='$sockdir'" -c max_connections=300)
    if [ "${EDGESYNC_PG_FAST:-}" = 1 ]; then
        opts+=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
    fi

    if [ "${EDGESYNC_PG_FAST:-}" = 1 ]; then
        _edgesync_pg_log "starting private cluster on 127.0.0.1:$port (fsync=off, for tests)"
    else
        _edgesync_pg_log "starting private cluster on 127.0.0.1:$port"
    fi
    if ! _edgesync_pg_without_lock _edgesync_pg_as_owner "$bin/pg_ctl" -D "$_EPG_DATA" \
        -l "$_EPG_DATA/server.log" -w -t 60 -o "${opts[*]}" start >/dev/null 2>&1; then
        _edgesync_pg_log "pg_ctl start failed; last lines of $_EPG_DATA/server.log:"
        tail -n 20 "$_EPG_DATA/server.log" >&2 2>/dev/null || true
        return 1
    fi
    EDGESYNC_PG_STARTED=1
}

# Ensures a server and exports EDGESYNC_PG. Returns non-zero (never exits) on failure.
edgesync_pg_ensure() {
    local port=${EDGESYNC_PG_PORT:-55432} db=${EDGESYNC_PG_DATABASE:-edgesync} rc=0 lock repo
    # Set to 1 when this call started the private cluster (test.sh stops it again under CI).
    # shellcheck disable=SC2034
    EDGESYNC_PG_STARTED=0

    # 1. An external server given by the caller.
    if [ -n "${EDGESYNC_PG:-}" ]; then
        _edgesync_pg_client_tools || return 1
        _edgesync_pg_parse "$EDGESYNC_PG"
        if _edgesync_pg_ready 5; then
            _edgesync_pg_log "using EDGESYNC_PG ($_EPG_HOST:$_EPG_PORT)"
            if [ -n "$_EPG_DB" ]; then
                _edgesync_pg_create_db "$_EPG_DB" ||
                    _edgesync_pg_log "warning: could not check/create database $_EPG_DB"
            fi
            export EDGESYNC_PG
            return 0
        fi
        # An operator who names a server means that server: starting an empty private one
        # instead would hide the outage behind a service that looks healthy.
        _edgesync_pg_log "EDGESYNC_PG ($_EPG_HOST:$_EPG_PORT) does not answer; start it or unset EDGESYNC_PG to use the private cluster"
        return 1
    fi

    case $port in '' | *[!0-9]*) _edgesync_pg_log "bad EDGESYNC_PG_PORT '$port'"; return 1 ;; esac

    # One caller at a time per repository (the server itself must not inherit the lock).
    _EPG_LOCKFD=""
    if command -v flock >/dev/null 2>&1; then
        repo=$(_edgesync_pg_repo) || return 1
        lock=${TMPDIR:-/tmp}/edgesync-pg-$(_edgesync_pg_hash "$repo").lock
        if { exec {_EPG_LOCKFD}>>"$lock"; } 2>/dev/null; then
            flock -w 120 "$_EPG_LOCKFD" || _edgesync_pg_log "warning: could not take $lock; going on"
        else
            _EPG_LOCKFD=""
        fi
    fi

    _edgesync_pg_ensure_private "$port" "$db" || rc=$?
    if [ -n "$_EPG_LOCKFD" ]; then exec {_EPG_LOCKFD}>&-; fi
    return "$rc"
}

_edgesync_pg_ensure_private() {
    local port=$1 db=$2 fsync
    if [ -z "$(_edgesync_pg_newest_bin initdb)" ] && [ -z "$(_edgesync_pg_newest_bin pg_isready)" ] &&
        ! command -v pg_isready >/dev/null 2>&1; then
        _edgesync_pg_apt_install postgresql || return 1
    fi
    _edgesync_pg_client_tools || return 1
    _edgesync_pg_parse "Host=127.0.0.1;Port=$port;Username=postgres"

    # 2. A server already answers on the port: reuse it (ours from an earlier run, or another).
    if _edgesync_pg_ready 2; then
        _edgesync_pg_log "reusing the server already answering on 127.0.0.1:$port"
    else
        _edgesync_pg_start_private "$port" || return 1
        _edgesync_pg_ready 30 || { _edgesync_pg_log "server on 127.0.0.1:$port does not answer"; return 1; }
    fi

    _edgesync_pg_create_db "$db" || return 1
    if [ "${EDGESYNC_PG_FAST:-}" != 1 ]; then
        fsync=$(_edgesync_pg_psql postgres -c 'SHOW fsync' 2>/dev/null) || fsync=""
        if [ "$fsync" = off ]; then
            _edgesync_pg_log "warning: the server on port $port runs with fsync=off (started for tests);"
            _edgesync_pg_log "         for durable data restart it: scripts/postgres.sh stop && scripts/postgres.sh"
        fi
    fi
    EDGESYNC_PG="Host=127.0.0.1;Port=$port;Database=$db;Username=postgres"
    export EDGESYNC_PG
}

_edgesync_pg_main() {
    case ${1:-start} in
        start) edgesync_pg_ensure && printf 'EDGESYNC_PG=%s\n' "$EDGESYNC_PG" ;;
        stop) edgesync_pg_stop ;;
        status) edgesync_pg_status ;;
        -h | --help | help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" ;;
        *) _edgesync_pg_log "unknown command '$1' (start|stop|status)"; return 2 ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    # Run as a program.
    set -uo pipefail
    _edgesync_pg_main "$@"
    exit $?
elif [ "${1:-}" != --lib ]; then
    # Sourced by hand: ensure the server and export EDGESYNC_PG in the caller's shell.
    _edgesync_pg_main "${1:-start}"
fi
