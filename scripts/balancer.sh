#!/usr/bin/env bash
# A load balancer for local nodes: HAProxy, round-robin over the nodes that answer
# /health/ready, for scripts/cluster.sh (and its tests).
#
#   scripts/balancer.sh start DIR --http PORT HOST:PORT... [--mqtt PORT HOST:PORT...]
#                                   (re)start it: the HTTP API on 127.0.0.1:PORT in front of
#                                   these nodes' HTTP ports and, with --mqtt, device connections
#                                   (TCP) in front of their embedded brokers; config, pid and
#                                   log in DIR
#   scripts/balancer.sh stop DIR    stop the one of DIR
#   scripts/balancer.sh status DIR  its ports
#
# Every node is checked every second (GET /health/ready; a TCP connect for MQTT): two failures
# take it out, two successes bring it back. A connection a node refuses is sent to another
# node, so a killed node costs no failed request even before its checks notice. Installs the
# Debian package haproxy when missing.
set -euo pipefail

log() { printf 'balancer.sh: %s\n' "$*" >&2; }

ensure_haproxy() {
    command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] && return 0
    [ "$(id -u)" = 0 ] || { log "need the Debian package haproxy, but not running as root: install it first"; return 1; }
    log "installing haproxy with apt-get"
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy ||
        { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy; }; } </dev/null >&2
}

haproxy_bin() { command -v haproxy 2>/dev/null || echo /usr/sbin/haproxy; }

running_pid() {
    local pid
    pid=$(cat "$1/haproxy.pid" 2>/dev/null | head -n 1) || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$1/haproxy.cfg" || return 1
    printf '%s' "$pid"
}

# write_config DIR HTTP_PORT "HTTP_BACKENDS" MQTT_PORT "MQTT_BACKENDS" (MQTT_PORT empty: none)
# One "server" line per address given, named node-1, node-2, … in order.
servers() {
    local i=0 node
    for node in "$@"; do
        i=$((i + 1))
        printf '    server node-%s %s check\n' "$i" "$node"
    done
}

write_config() {
    local dir=$1 http_port=$2 http_backends=$3 mqtt_port=$4 mqtt_backends=$5
    {
        cat <<CFG
# Written by scripts/balancer.sh; changes are lost at the next start.
global
    maxconn 4096
    stats socket $dir/haproxy.sock mode 600 level admin
    log stdout format raw local0 notice

defaults
    log global
    timeout connect 2s
    # Event streams (GET …/events) and device sessions stay open: a long idle time on both sides.
    timeout client 15m
    timeout server 15m
    # A connection refused by a dead node is tried on another one; the request never reached it.
    retries 3
    option redispatch 1

frontend api
    mode http
    bind 127.0.0.1:$http_port
    timeout http-request 30s
    option forwardfor
    default_backend nodes

backend nodes
    mode http
    balance roundrobin
    retry-on conn-failure empty-response
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
CFG
        servers $http_backends
        if [ -n "$mqtt_port" ]; then
            cat <<CFG

frontend mqtt
    mode tcp
    bind 127.0.0.1:$mqtt_port
    default_backend brokers

backend brokers
    mode tcp
    balance roundrobin
    default-server inter 1s fall 2 rise 2
CFG
            servers $mqtt_backends
        fi
    } >"$dir/haproxy.cfg"
}

stop() {
    local dir=$1 pid
    if pid=$(running_pid "$dir"); then
        kill "$pid"
        for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        log "stopped (pid $pid)"
    fi
    rm -f "$dir/haproxy.pid"
}

case "${1:-}" in
start)
    dir=${2:?DIR}; shift 2
    http_port="" http_backends="" mqtt_port="" mqtt_backends="" section=""
    while [ $# -gt 0 ]; do
        case $1 in
            --http) section=http; http_port=${2:?--http PORT}; shift 2 ;;
            --mqtt) section=mqtt; mqtt_port=${2:?--mqtt PORT}; shift 2 ;;
            *)
                case $section in
                    http) http_backends+="$1 " ;;
                    mqtt) mqtt_backends+="$1 " ;;
                    *) log "expected --http or --mqtt, not '$1'"; exit 2 ;;
                esac
                shift ;;
        esac
    done
    [ -n "$http_port" ] && [ -n "$http_backends" ] || { log "start needs --http PORT and at least one HOST:PORT"; exit 2; }
    [ -z "$mqtt_port" ] || [ -n "$mqtt_backends" ] || { log "--mqtt needs at least one HOST:PORT"; exit 2; }
    for port in $http_port $mqtt_port; do
        case $port in *[!0-9]*) log "bad port '$port'"; exit 2 ;; esac
    done
    mkdir -p "$dir"; dir=$(cd -P -- "$dir" && pwd)
    ensure_haproxy
    stop "$dir"
    write_config "$dir" "$http_port" "$http_backends" "$mqtt_port" "$mqtt_backends"
    "$(haproxy_bin)" -c -q -f "$dir/haproxy.cfg" || { log "haproxy refused $dir/haproxy.cfg"; exit 1; }
    "$(haproxy_bin)" -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" >>"$dir/haproxy.log" 2>&1
    for port in $http_port $mqtt_port; do
        for _ in $(seq 1 50); do
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
            sleep 0.1
        done
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { log "nothing listens on $port; see $dir/haproxy.log"; exit 1; }
    done
    log "load balancer (pid $(running_pid "$dir")): HTTP API on http://127.0.0.1:$http_port over $http_backends"
    [ -z "$mqtt_port" ] || log "  devices on mqtt://127.0.0.1:$mqtt_port over $mqtt_backends"
    ;;
stop)
    stop "${2:?DIR}"
    ;;
status)
    dir=${2:?DIR}
    if pid=$(running_pid "$dir"); then
        printf 'balancer  pid %-7s http %s  mqtt %s\n' "$pid" \
            "$(sed -n '/^frontend api/,/^$/s/^ *bind 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/haproxy.cfg")" \
            "$(sed -n '/^frontend mqtt/,/^$/s/^ *bind 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/haproxy.cfg")"
    else
        printf 'balancer  not running\n'
    fi
    ;;
*)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
