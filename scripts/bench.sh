#!/usr/bin/env bash
# End-to-end throughput benchmark of EdgeSync (bench/EdgeSync.Bench).
#
#   scripts/bench.sh [benchmark args...]    e.g. scripts/bench.sh --quick
#                                                 scripts/bench.sh --devices 20 --rows 1000 --inflight 2
#                                                 scripts/bench.sh --broker external   (devices -> Mosquitto -> node)
#                                                 scripts/bench.sh --help
#                                                 scripts/bench.sh latency [--rate ROWS_PER_S] [--duration S]
#                                                   (open-loop acknowledgement latency at 25/50/75 % of the
#                                                   closed-loop maximum; docs/observability.md)
#
# 1. Builds src/Silo (the node) and bench/EdgeSync.Bench in Release.
# 2. Makes sure PostgreSQL is reachable, as scripts/run.sh does (scripts/postgres.sh: EDGESYNC_PG
#    if set and up, otherwise the private cluster on 127.0.0.1:${EDGESYNC_PG_PORT:-55432}).
# 3. Runs the benchmark with the arguments given. It creates a throwaway database
#    edgesync_bench_* on that server, starts the node on free ports, measures, drops the database,
#    prints a table and writes bench/results/latest.json (git-ignored).
#
# The machine should be otherwise idle: the node, PostgreSQL and the simulated devices share it.
set -euo pipefail

repo=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The node's gen-0 budget (docs/decisions.md, Performance). On a small VM the runtime sizes it from
# the CPU cache it detects (2 MiB here: a collection every few batches, each copying the batches in
# flight). Only an environment variable sets it; runtimeconfig.json has no such setting.
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x10000000}"

for project in src/Silo bench/EdgeSync.Bench; do
    echo "bench.sh: building $project (Release)" >&2
    if ! build_log=$(dotnet build "$project" -c Release -nologo -v quiet 2>&1); then
        printf '%s\n' "$build_log" >&2
        echo "bench.sh: build of $project failed" >&2
        exit 1
    fi
done

# --broker external: devices publish to a private Mosquitto (scripts/mosquitto.sh), which the node
# consumes from; its settings reach the node through the environment. The benchmark's broker has
# its own folder and port and starts empty: persistent sessions of other nodes (a local cluster)
# would keep their share of the shared subscription while offline.
external=false
for arg in "$@"; do
    [ "${previous:-}" = --broker ] && [ "$arg" = external ] && external=true
    previous=$arg
done
if $external; then
    export EDGESYNC_MQTT_DATA="$repo/.data/bench-mosquitto" EDGESYNC_MQTT_PORT="${EDGESYNC_BENCH_MQTT_PORT:-18831}"
    # shellcheck source=scripts/mosquitto.sh
    source "$repo/scripts/mosquitto.sh" --lib
    edgesync_mqtt_stop >/dev/null 2>&1 || true
    rm -rf "$EDGESYNC_MQTT_DATA"
    edgesync_mqtt_ensure || { echo "bench.sh: no MQTT broker; giving up" >&2; exit 1; }
    edgesync_mqtt_export
    echo "bench.sh: external broker $Mqtt__External__Url" >&2
fi

# shellcheck source=scripts/postgres.sh
source "$repo/scripts/postgres.sh" --lib
edgesync_pg_ensure || { echo "bench.sh: no PostgreSQL server; giving up" >&2; exit 1; }
export EDGESYNC_PG
echo "bench.sh: EDGESYNC_PG=$EDGESYNC_PG" >&2

if $external; then
    status=0
    dotnet "$repo/bench/EdgeSync.Bench/bin/Release/net10.0/EdgeSync.Bench.dll" "$@" || status=$?
    edgesync_mqtt_stop
    exit $status
fi
exec dotnet "$repo/bench/EdgeSync.Bench/bin/Release/net10.0/EdgeSync.Bench.dll" "$@"
