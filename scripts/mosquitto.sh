#!/usr/bin/env bash
# Runs a private Mosquitto 2 broker with dynamic security, for EdgeSync's external broker mode
# (docs/external-broker.md), and prints the settings a node needs to consume from it.
#
#   scripts/mosquitto.sh [start]    ensure the broker runs, print Mqtt__Mode=external and the
#                                   Mqtt__External__* settings
#   scripts/mosquitto.sh stop       stop it (if it is running)
#   scripts/mosquitto.sh status     show where it lives and whether it runs
#   source scripts/mosquitto.sh     same as start, and the settings are exported in your shell
#   source scripts/mosquitto.sh --lib   only define the functions (used by run.sh):
#                                   edgesync_mqtt_ensure, edgesync_mqtt_stop, edgesync_mqtt_status
#
# The broker listens on 127.0.0.1:${EDGESYNC_MQTT_PORT:-18830}, refuses anonymous clients, loads
# the dynamic security plugin and keeps its state (dynsec.json, sessions) in <repo>/.data/mosquitto.
# On the first start `mosquitto_ctrl dynsec init` creates the administrator account `admin`, and
# the script then creates the nodes' account `edgesync-node`: the admin role (dynamic security,
# shared subscriptions) plus a role to publish controls on every device's control topic. Their
# generated passwords are kept in <data>/admin-password and <data>/node-password. Mosquitto is
# installed with apt-get when missing.
#
# Environment:
#   EDGESYNC_MQTT_PORT    port of the broker (default 18830)
#   EDGESYNC_MQTT_DATA    its folder (default <repo>/.data/mosquitto)

_edgesync_mqtt_log() { printf 'mosquitto.sh: %s\n' "$*" >&2; }

_edgesync_mqtt_repo() {
    local here
    here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd) || return 1
    (cd -P -- "$here/.." && pwd)
}

_edgesync_mqtt_is_root() { [ "$(id -u)" = 0 ]; }

_edgesync_mqtt_data() {
    if [ -n "${EDGESYNC_MQTT_DATA:-}" ]; then
        printf '%s' "$EDGESYNC_MQTT_DATA"
    else
        printf '%s/.data/mosquitto' "$(_edgesync_mqtt_repo)"
    fi
}

# The broker binary and the dynamic security plugin; installs the Debian package when missing.
_edgesync_mqtt_tools() {
    _EMQ_BIN=""; _EMQ_PLUGIN=""
    local candidate
    for candidate in /usr/sbin/mosquitto /usr/bin/mosquitto /usr/local/sbin/mosquitto; do
        [ -x "$candidate" ] && { _EMQ_BIN=$candidate; break; }
    done
    if [ -z "$_EMQ_BIN" ] || ! command -v mosquitto_ctrl >/dev/null 2>&1; then
        if ! _edgesync_mqtt_is_root; then
            _edgesync_mqtt_log "need the Debian package mosquitto, but not running as root: install it first"
            return 1
        fi
        _edgesync_mqtt_log "installing mosquitto with apt-get"
        { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mosquitto; } </dev/null >&2 || return 1
        _EMQ_BIN=/usr/sbin/mosquitto
    fi
    for candidate in /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so /usr/lib/*/mosquitto_dynamic_security.so \
        /usr/lib/mosquitto_dynamic_security.so /usr/local/lib/mosquitto_dynamic_security.so; do
        [ -f "$candidate" ] && { _EMQ_PLUGIN=$candidate; break; }
    done
    if [ -z "$_EMQ_PLUGIN" ]; then
        _edgesync_mqtt_log "the dynamic security plugin (mosquitto_dynamic_security.so) is not installed"
        return 1
    fi
}

# PID of the broker of this folder when it runs, else nothing.
_edgesync_mqtt_pid() {
    local data=$1 pid
    [ -f "$data/mosquitto.pid" ] || return 1
    pid=$(tr -dc '0-9' <"$data/mosquitto.pid")
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$data/mosquitto.conf" || return 1
    printf '%s' "$pid"
}

_edgesync_mqtt_answers() { # port
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A dynamic security command as the administrator; prints what went wrong when it fails.
_edgesync_mqtt_ctrl() {
    local out
    if ! out=$(mosquitto_ctrl -h 127.0.0.1 -p "$_EMQ_PORT" -u admin -P "$(cat "$_EMQ_DATA/admin-password")" dynsec "$@" 2>&1) ||
        grep -q '^Error' <<<"$out"; then
        _edgesync_mqtt_log "mosquitto_ctrl dynsec $1 failed: $(grep -v -e '^Warning' -e 'visible on the network' -e '^$' <<<"$out")"
        return 1
    fi
}

_edgesync_mqtt_password() { head -c 24 /dev/urandom | base64 | tr '+/' '-_'; }

# The folder with its configuration and, the first time, the dynamic security state.
_edgesync_mqtt_prepare() {
    local data=$1 port=$2 owner=""
    mkdir -p -- "$data" || return 1
    if [ ! -f "$data/dynsec.json" ]; then
        _edgesync_mqtt_log "creating the dynamic security state in $data"
        (umask 077 && _edgesync_mqtt_password >"$data/admin-password" && _edgesync_mqtt_password >"$data/node-password") || return 1
        mosquitto_ctrl dynsec init "$data/dynsec.json" admin "$(cat "$data/admin-password")" >/dev/null || return 1
        rm -f -- "$data/node-account"
    fi
    # Started as root, Mosquitto drops to its own user, which must own its state and reach its
    # folder; where it cannot, the broker keeps running as root (a development broker only).
    if _edgesync_mqtt_is_root; then
        owner=root
        if id mosquitto >/dev/null 2>&1 && chown -R mosquitto: -- "$data" &&
            runuser -u mosquitto -- test -w "$data" 2>/dev/null; then
            owner=mosquitto
        else
            chown -R root: -- "$data"
        fi
        chmod 700 -- "$data"
    fi
    cat >"$data/mosquitto.conf" <<CONF
# Written by scripts/mosquitto.sh; changes are lost at the next start.
${owner:+user $owner}
per_listener_settings false
listener $port 127.0.0.1
allow_anonymous false
plugin $_EMQ_PLUGIN
plugin_opt_config_file $data/dynsec.json
persistence true
persistence_location $data/
# The nodes' sessions hold uplinks while a node restarts: far more than the default 1000.
max_queued_messages 1000000
pid_file $data/mosquitto.pid
log_dest file $data/mosquitto.log
CONF
}

# Ensures the broker runs with the nodes' account; sets EDGESYNC_MQTT_URL, _EMQ_NODE, _EMQ_NODE_PASSWORD.
edgesync_mqtt_ensure() {
    local data port=${EDGESYNC_MQTT_PORT:-18830} i
    case $port in '' | *[!0-9]*) _edgesync_mqtt_log "bad EDGESYNC_MQTT_PORT '$port'"; return 1 ;; esac
    _EMQ_PORT=$port
    data=$(_edgesync_mqtt_data) || return 1
    _EMQ_DATA=$data
    _edgesync_mqtt_tools || return 1
    if _edgesync_mqtt_pid "$data" >/dev/null; then
        _edgesync_mqtt_log "reusing the broker already running from $data"
    else
        if _edgesync_mqtt_answers "$port"; then
            _edgesync_mqtt_log "something else listens on 127.0.0.1:$port; set EDGESYNC_MQTT_PORT"
            return 1
        fi
        _edgesync_mqtt_prepare "$data" "$port" || return 1
        _edgesync_mqtt_log "starting Mosquitto on 127.0.0.1:$port"
        "$_EMQ_BIN" -c "$data/mosquitto.conf" -d || { _edgesync_mqtt_log "mosquitto did not start; see $data/mosquitto.log"; return 1; }
        for i in $(seq 1 50); do
            _edgesync_mqtt_answers "$port" && break
            sleep 0.1
        done
        _edgesync_mqtt_answers "$port" || { _edgesync_mqtt_log "mosquitto does not answer; see $data/mosquitto.log"; return 1; }
    fi
    # Once per state, the nodes' account. Apart from the administrator: changing the roles of a
    # connected client disconnects it.
    if [ ! -f "$data/node-account" ]; then
        _edgesync_mqtt_log "creating the nodes' account edgesync-node"
        _edgesync_mqtt_ctrl createRole edgesync-node &&
            _edgesync_mqtt_ctrl addRoleACL edgesync-node publishClientSend '+/+/sync/ingest/control' allow &&
            _edgesync_mqtt_ctrl createClient edgesync-node -p "$(cat "$data/node-password")" &&
            _edgesync_mqtt_ctrl addClientRole edgesync-node admin &&
            _edgesync_mqtt_ctrl addClientRole edgesync-node edgesync-node &&
            touch "$data/node-account" || return 1
    fi
    EDGESYNC_MQTT_URL="mqtt://127.0.0.1:$port"
    _EMQ_NODE=edgesync-node
    _EMQ_NODE_PASSWORD=$(cat "$data/node-password")
}

edgesync_mqtt_stop() {
    local data pid
    data=$(_edgesync_mqtt_data) || return 1
    if ! pid=$(_edgesync_mqtt_pid "$data"); then
        _edgesync_mqtt_log "no broker running from $data"
        return 0
    fi
    _edgesync_mqtt_log "stopping the broker (pid $pid)"
    kill "$pid" && for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || return 0; sleep 0.1; done
    _edgesync_mqtt_log "pid $pid is still running"
    return 1
}

edgesync_mqtt_status() {
    local data pid
    data=$(_edgesync_mqtt_data) || return 1
    printf 'folder: %s\n' "$data"
    if pid=$(_edgesync_mqtt_pid "$data"); then
        printf 'state: running (pid %s) on %s\n' "$pid" "$(sed -n 's/^listener \(.*\)/\1/p' "$data/mosquitto.conf")"
    elif [ -f "$data/dynsec.json" ]; then
        printf 'state: stopped\n'
    else
        printf 'state: not created\n'
    fi
}

# The settings of a node in external mode, one NAME=value a line.
edgesync_mqtt_settings() {
    printf 'Mqtt__Mode=external\nMqtt__External__Url=%s\nMqtt__External__Username=%s\nMqtt__External__Password=%s\n' \
        "$EDGESYNC_MQTT_URL" "$_EMQ_NODE" "$_EMQ_NODE_PASSWORD"
}

edgesync_mqtt_export() {
    export Mqtt__Mode=external Mqtt__External__Url="$EDGESYNC_MQTT_URL" \
        Mqtt__External__Username="$_EMQ_NODE" Mqtt__External__Password="$_EMQ_NODE_PASSWORD"
}

_edgesync_mqtt_main() {
    case ${1:-start} in
        start) edgesync_mqtt_ensure && edgesync_mqtt_settings ;;
        stop) edgesync_mqtt_stop ;;
        status) edgesync_mqtt_status ;;
        -h | --help | help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" ;;
        *) _edgesync_mqtt_log "unknown command '$1' (start|stop|status)"; return 2 ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -uo pipefail
    _edgesync_mqtt_main "$@"
    exit $?
elif [ "${1:-}" != --lib ]; then
    # Sourced by hand: ensure the broker and export the settings in the caller's shell.
    if [ "${1:-start}" = start ]; then
        edgesync_mqtt_ensure && edgesync_mqtt_export && edgesync_mqtt_settings
    else
        _edgesync_mqtt_main "$1"
    fi
fi
