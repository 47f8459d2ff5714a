#!/usr/bin/env bash
# A load balancer for the HTTP API of local nodes: HAProxy, round-robin over the nodes that
# answer /health/ready, for scripts/cluster.sh (and its tests).
#
#   scripts/balancer.sh start PORT DIR HOST:PORT...   (re)start it on 127.0.0.1:PORT in front of
#                                                     these nodes; its config, pid and log in DIR
#   scripts/balancer.sh stop DIR                      stop the one of DIR
#   scripts/balancer.sh status DIR                    its port and each node's state as it sees it
#
# Every node is checked every second (GET /health/ready): two failures take it out, two
# successes bring it back. A request whose connection to a node fails is sent to another node,
# so a killed node costs no failed request even before its checks notice. Installs the Debian
# package haproxy when missing.
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

write_config() {
    local port=$1 dir=$2 i=0 node
    shift 2
    {
        cat <<CFG
# Written by scripts/balancer.sh; changes are lost at the next start.
global
    maxconn 4096
    stats socket $dir/haproxy.sock mode 600 level admin
    log stdout format raw local0 notice

defaults
    mode http
    log global
    timeout connect 2s
    # Event streams (GET …/events) stay open: a long idle time on both sides.
    timeout client 15m
    timeout server 15m
    timeout http-request 30s
    # A connection refused by a dead node is tried on another one; the request never reached it.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
    option forwardfor

frontend api
    bind 127.0.0.1:$port
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
CFG
        for node in "$@"; do
            i=$((i + 1))
            printf '    server node-%s %s check\n' "$i" "$node"
        done
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
    port=${2:?PORT}; dir=${3:?DIR}; shift 3
    [ $# -gt 0 ] || { log "start needs at least one HOST:PORT"; exit 2; }
    case $port in '' | *[!0-9]*) log "bad port '$port'"; exit 2 ;; esac
    mkdir -p "$dir"; dir=$(cd -P -- "$dir" && pwd)
    ensure_haproxy
    stop "$dir"
    write_config "$port" "$dir" "$@"
    "$(haproxy_bin)" -c -q -f "$dir/haproxy.cfg" || { log "haproxy refused $dir/haproxy.cfg"; exit 1; }
    "$(haproxy_bin)" -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" >>"$dir/haproxy.log" 2>&1
    for _ in $(seq 1 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { log "nothing listens on $port; see $dir/haproxy.log"; exit 1; }
    log "load balancer on http://127.0.0.1:$port (pid $(running_pid "$dir")) over $*"
    ;;
stop)
    stop "${2:?DIR}"
    ;;
status)
    dir=${2:?DIR}
    if pid=$(running_pid "$dir"); then
        printf 'balancer  pid %-7s http %s\n' "$pid" "$(sed -n 's/^ *bind 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/haproxy.cfg")"
        if command -v socat >/dev/null 2>&1; then
            echo "show servers state nodes" | socat stdio "unix-connect:$dir/haproxy.sock" 2>/dev/null |
                awk 'NF > 5 && $1 ~ /^[0-9]+$/ { printf "  %s %s:%s %s\n", $4, $5, $19, ($6 == 2 ? "up" : "down") }' || true
        fi
    else
        printf 'balancer  not running\n'
    fi
    ;;
*)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
