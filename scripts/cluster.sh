#!/usr/bin/env bash
# A local EdgeSync cluster: N nodes (separate processes) on one PostgreSQL database, to try
# failover by hand.
#
#   scripts/cluster.sh up [N] [--broker embedded|external]
#                                    start N nodes (default 3) and the load balancer; builds
#                                    src/Silo first
#   scripts/cluster.sh status        each node: pid, ports, health; the cluster's membership
#   scripts/cluster.sh kill I        SIGKILL node I (no goodbye: the others declare it dead)
#   scripts/cluster.sh stop I        SIGTERM node I (a clean leave)
#   scripts/cluster.sh start I       start node I again (after kill or stop)
#   scripts/cluster.sh down          SIGTERM every node, stop the load balancer
#   scripts/cluster.sh forget I      external broker: remove node I's session from the broker, for a
#                                    node slot gone for good (a stopped node keeps its share of the
#                                    uplinks queued in its session until it comes back)
#
# Node I listens on HTTP 8080+I, MQTT 1883+I (embedded broker), silo port 11110+I and gateway
# port 30000+I, all on 127.0.0.1, and is named node-I. With --broker external every node consumes
# from one private Mosquitto (scripts/mosquitto.sh; devices connect to it, port 18830 by default)
# instead of running its own broker; the mode is remembered for start I. PostgreSQL comes from scripts/postgres.sh
# (EDGESYNC_PG if set and up, otherwise the private server it starts). Logs and pid files are in
# .data/cluster/ (git-ignored). Devices may connect to any node's MQTT port; the HTTP API answers
# on every node, and on the load balancer at 127.0.0.1:${EDGESYNC_LB_PORT:-8080}: HAProxy
# (scripts/balancer.sh, installed with apt-get when missing), round-robin over the nodes whose
# /health/ready answers, a request refused by a dead node sent to another. With the embedded
# brokers it also takes device connections on 127.0.0.1:${EDGESYNC_LB_MQTT_PORT:-1883} (TCP).
set -euo pipefail

repo=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
state="$repo/.data/cluster"
dll="$repo/src/Silo/bin/Release/net10.0/EdgeSync.Silo.dll"
mkdir -p "$state"

log() { printf 'cluster.sh: %s\n' "$*" >&2; }

pid_of() { cat "$state/node-$1.pid" 2>/dev/null || true; }

alive() {
    local pid
    pid=$(pid_of "$1")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

ensure_database() {
    # shellcheck source=scripts/postgres.sh
    source "$repo/scripts/postgres.sh" --lib
    edgesync_pg_ensure || { log "no PostgreSQL server; giving up"; exit 1; }
    printf '%s' "$EDGESYNC_PG" >"$state/connection-string"
}

# The external broker's settings for the nodes, kept in $state/broker.env (empty: embedded).
ensure_broker() {
    : >"$state/broker.env"
    [ "$1" = external ] || return 0
    # shellcheck source=scripts/mosquitto.sh
    source "$repo/scripts/mosquitto.sh" --lib
    edgesync_mqtt_ensure || { log "no MQTT broker; giving up"; exit 1; }
    edgesync_mqtt_export
    printf 'export Mqtt__Mode=%q Mqtt__External__Url=%q Mqtt__External__Username=%q Mqtt__External__Password=%q\n' \
        "$Mqtt__Mode" "$Mqtt__External__Url" "$Mqtt__External__Username" "$Mqtt__External__Password" >"$state/broker.env"
    log "external broker $Mqtt__External__Url: devices connect there"
}

start_node() {
    local i=$1
    if alive "$i"; then
        log "node-$i is already running (pid $(pid_of "$i"))"
        return
    fi
    [ -f "$state/connection-string" ] || ensure_database
    (
        export ConnectionStrings__EdgeSync
        ConnectionStrings__EdgeSync=$(cat "$state/connection-string")
        export Http__Port=$((8080 + i)) Mqtt__Port=$((1883 + i)) Mqtt__BindAddress=127.0.0.1
        export Orleans__SiloPort=$((11110 + i)) Orleans__GatewayPort=$((30000 + i)) Node__Name="node-$i"
        export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
        # A local cluster is for trying things by hand with development tokens (scripts/dev-token.sh).
        export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
        export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x10000000}"
        # shellcheck disable=SC1091
        [ -f "$state/broker.env" ] && source "$state/broker.env"
        cd "$(dirname "$dll")"
        nohup dotnet "$dll" >>"$state/node-$i.log" 2>&1 &
        echo $! >"$state/node-$i.pid"
    )
    local mqtt="mqtt://127.0.0.1:$((1883 + i))"
    [ -s "$state/broker.env" ] && mqtt="devices on the external broker"
    log "node-$i started (pid $(pid_of "$i")): http://127.0.0.1:$((8080 + i))  $mqtt  log $state/node-$i.log"
}

wait_ready() {
    local i=$1 deadline=$((SECONDS + 90))
    while [ $SECONDS -lt $deadline ]; do
        if curl -fsS "http://127.0.0.1:$((8080 + i))/health/ready" >/dev/null 2>&1; then
            log "node-$i is ready"
            return 0
        fi
        alive "$i" || { log "node-$i exited; see $state/node-$i.log"; return 1; }
        sleep 1
    done
    log "node-$i did not become ready within 90 s; see $state/node-$i.log"
    return 1
}

nodes() { find "$state" -name 'node-*.pid' -printf '%f\n' 2>/dev/null | sed 's/node-\(.*\)\.pid/\1/' | sort -n; }

case "${1:-}" in
up)
    shift
    count=3 broker=embedded
    while [ $# -gt 0 ]; do
        case $1 in
            --broker) broker=${2:?embedded or external}; shift 2 ;;
            *) count=$1; shift ;;
        esac
    done
    case $broker in embedded | external) ;; *) log "--broker must be embedded or external"; exit 2 ;; esac
    ensure_database
    ensure_broker "$broker"
    log "building src/Silo (Release)"
    dotnet build "$repo/src/Silo" -c Release -nologo -v quiet >/dev/null
    for i in $(seq 1 "$count"); do start_node "$i"; done
    for i in $(seq 1 "$count"); do wait_ready "$i"; done
    # Every slot of the cluster, live or not: its health checks decide who gets requests.
    lb=(--http "${EDGESYNC_LB_PORT:-8080}")
    for i in $(seq 1 "$count"); do lb+=("127.0.0.1:$((8080 + i))"); done
    # Devices too, through one TCP port, when the nodes run their own brokers.
    if [ "$broker" = embedded ]; then
        lb+=(--mqtt "${EDGESYNC_LB_MQTT_PORT:-1883}")
        for i in $(seq 1 "$count"); do lb+=("127.0.0.1:$((1883 + i))"); done
    fi
    "$repo/scripts/balancer.sh" start "$state/balancer" "${lb[@]}"
    ;;
start)
    start_node "${2:?node number}"
    wait_ready "$2"
    ;;
kill)
    alive "${2:?node number}" || { log "node-$2 is not running"; exit 1; }
    kill -KILL "$(pid_of "$2")"
    log "node-$2 killed with SIGKILL at $(date +%T.%3N)"
    ;;
stop)
    alive "${2:?node number}" || { log "node-$2 is not running"; exit 1; }
    kill -TERM "$(pid_of "$2")"
    log "node-$2 sent SIGTERM"
    ;;
down)
    for i in $(nodes); do
        alive "$i" && kill -TERM "$(pid_of "$i")" && log "node-$i sent SIGTERM"
    done
    for i in $(nodes); do
        for _ in $(seq 1 30); do alive "$i" || break; sleep 1; done
        rm -f "$state/node-$i.pid"
    done
    "$repo/scripts/balancer.sh" stop "$state/balancer"
    ;;
status)
    for i in $(nodes); do
        if alive "$i"; then
            health=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((8080 + i))/health/ready" || true)
            printf 'node-%s  pid %-7s http %s  mqtt %s  ready %s\n' "$i" "$(pid_of "$i")" $((8080 + i)) $((1883 + i)) "$health"
        else
            printf 'node-%s  not running\n' "$i"
        fi
    done
    [ -d "$state/balancer" ] && "$repo/scripts/balancer.sh" status "$state/balancer"
    if [ -f "$state/connection-string" ] && command -v psql >/dev/null; then
        # Npgsql's key=value form to a libpq URI-less form: psql takes "host=… port=… dbname=… user=…".
        conninfo=$(tr ';' '\n' <"$state/connection-string" | sed -n 's/^Host=/host=/p; s/^Port=/port=/p; s/^Database=/dbname=/p; s/^Username=/user=/p; s/^Password=/password=/p' | tr '\n' ' ')
        # The newest generation per silo address: earlier runs leave their rows behind.
        psql "$conninfo" -Atc "SELECT DISTINCT ON (address, port) 'member ' || address || ':' || port || '  ' || CASE status WHEN 3 THEN 'active' WHEN 6 THEN 'dead' WHEN 5 THEN 'stopping' WHEN 4 THEN 'shutting down' ELSE status::text END FROM orleansmembershiptable ORDER BY address, port, generation DESC" 2>/dev/null || true
    fi
    ;;
forget)
    [ -s "$state/broker.env" ] || { log "the cluster does not use an external broker"; exit 1; }
    alive "${2:?node number}" && { log "node-$2 is running; stop it first"; exit 1; }
    # shellcheck disable=SC1091
    source "$state/broker.env"
    # Connecting with the node's client id and a clean session ends the persistent one.
    url=${Mqtt__External__Url#mqtt://}
    mosquitto_sub -h "${url%:*}" -p "${url##*:}" -u "$Mqtt__External__Username" -P "$Mqtt__External__Password" \
        -i "edgesync-${Orleans__ClusterId:-edgesync}-node-$2" -t "edgesync/forget" -W 1 >/dev/null 2>&1 || true
    log "the broker session of node-$2 is gone; its share of the uplinks goes to the other nodes"
    ;;
*)
    sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
