#!/usr/bin/env bash
# Runs the EdgeSync service (one silo: HTTP API, embedded MQTT broker, Orleans, dashboard).
#
#   scripts/run.sh [--broker embedded|external] [app args...]
#
# Makes sure PostgreSQL is reachable first (scripts/postgres.sh: EDGESYNC_PG if set and up,
# otherwise the private cluster on 127.0.0.1:${EDGESYNC_PG_PORT:-55432}), then runs
# src/Silo in Release with ConnectionStrings__EdgeSync pointing at it. Extra arguments go to
# the application, e.g. `scripts/run.sh --Http:Port=8080`.
#
# --broker external: devices connect to a private Mosquitto with dynamic security
# (scripts/mosquitto.sh starts it) and the node consumes from it (Mqtt__Mode=external). The
# default, embedded, is the node's own broker on Mqtt:Port.
set -euo pipefail

repo=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
broker=embedded
if [ "${1:-}" = --broker ]; then
    broker=${2:-}
    shift 2 || { echo "run.sh: --broker needs embedded or external" >&2; exit 2; }
fi
case $broker in
    embedded) ;;
    external)
        # shellcheck source=scripts/mosquitto.sh
        source "$repo/scripts/mosquitto.sh" --lib
        edgesync_mqtt_ensure || { echo "run.sh: no MQTT broker; giving up" >&2; exit 1; }
        edgesync_mqtt_export
        echo "run.sh: external broker $Mqtt__External__Url as $Mqtt__External__Username" >&2
        ;;
    *) echo "run.sh: --broker must be embedded or external, not '$broker'" >&2; exit 2 ;;
esac
# shellcheck source=scripts/postgres.sh
source "$repo/scripts/postgres.sh" --lib
edgesync_pg_ensure || { echo "run.sh: no PostgreSQL server; giving up" >&2; exit 1; }

export ConnectionStrings__EdgeSync="$EDGESYNC_PG"
# A local run is a development run: the shipped development signing key (scripts/dev-token.sh)
# is only accepted in Development (or with Auth__AllowDevelopmentKey=true).
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The node's gen-0 budget (docs/decisions.md, Performance). On a small VM the runtime sizes it from
# the CPU cache it detects (2 MiB here: a collection every few batches, each copying the batches in
# flight). Only an environment variable sets it; runtimeconfig.json has no such setting.
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x10000000}"
echo "run.sh: ConnectionStrings__EdgeSync=$ConnectionStrings__EdgeSync" >&2

cd "$repo"
exec dotnet run --project src/Silo -c Release -- "$@"
