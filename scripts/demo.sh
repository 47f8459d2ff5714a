#!/usr/bin/env bash
# The whole loop on one machine: node, project, device, a sample SQLite database that keeps
# changing, the edge agent, schema approval, and rows arriving in the mirror tables.
#
#   scripts/demo.sh [seconds]      (default 60; Ctrl-C ends it early and still cleans up)
#
# Uses the node already answering on http://localhost:${Http__Port:-5080} if there is one,
# otherwise starts one (scripts/run.sh) and stops it at the end.
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
duration=${1:-60}
http_port=${Http__Port:-5080}
mqtt_port=${Mqtt__Port:-1883}
API="http://localhost:$http_port/core/api/v1"
work=$(mktemp -d /tmp/edgesync-demo.XXXXXX)
pids=()

say() { printf '\033[1m== %s\033[0m\n' "$*"; }
cleanup() {
    say "cleaning up"
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

need=()
command -v jq >/dev/null || need+=(jq)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
    say "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi

say "building"
for project in src/Silo src/Agent; do dotnet build -c Release -v q --nologo "$project" >/dev/null; done

if ! curl -sf "http://localhost:$http_port/health/ready" >/dev/null; then
    say "starting the node (log: $work/node.log)"
    scripts/run.sh >"$work/node.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 120); do curl -sf "http://localhost:$http_port/health/ready" >/dev/null && break; sleep 1; done
    curl -sf "http://localhost:$http_port/health/ready" >/dev/null || { tail -30 "$work/node.log"; exit 1; }
fi

TOKEN=$(scripts/dev-token.sh --permissions PLATFORM_ADMIN)
auth=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
post() { curl -sf "${auth[@]}" -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" -d "${2:-{\}}" "$API$1"; }

slug="demo-$(date +%s)"
say "project $slug and device gw-01"
PROJECT=$(post /projects "{\"name\":\"Demo\",\"topic_slug\":\"$slug\"}" | jq -r .data.id)
DEVICE_JSON=$(post "/projects/$PROJECT/devices" '{"name":"gw-01"}')
DEVICE=$(jq -r .data.id <<<"$DEVICE_JSON")
export EDGESYNC_DEVICE_SECRET=$(jq -r .data.secret <<<"$DEVICE_JSON")

say "sample database $work/app.db"
sqlite3 "$work/app.db" <<'SQL'
CREATE TABLE device_state (id INTEGER PRIMARY KEY, mode TEXT NOT NULL, setpoint REAL, firmware BLOB);
CREATE TABLE alarms (site TEXT NOT NULL, code INTEGER NOT NULL, raised_at TEXT, note TEXT, PRIMARY KEY (site, code));
INSERT INTO device_state VALUES (1, 'cooling', 21.5, x'0102'), (2, 'heating', 19.0, NULL);
INSERT INTO alarms VALUES ('north', 7, '2026-11-25T08:00:00Z', 'filter');
-- An append-only time series: sent as telemetry batches, mirrored into a table partitioned by month.
CREATE TABLE readings (sensor TEXT NOT NULL, recorded_at TEXT NOT NULL, temperature REAL, humidity REAL);
INSERT INTO readings VALUES ('north', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 21.5, 40.0);
SQL

cat >"$work/agent.yaml" <<YAML
broker_url: mqtt://localhost:$mqtt_port
username: $slug/gw-01
password_env: EDGESYNC_DEVICE_SECRET
device_name: gw-01
root_topic: $slug/gw-01
database: app.db
state_database: state.db
flush_interval: 2s
tables:
  device_state: rows
  alarms: rows
  readings: { strategy: telemetry, timestamp_column: recorded_at }
YAML
say "starting the edge agent (log: $work/agent.log)"
dotnet "$repo/src/Agent/bin/Release/net10.0/edgesync-agent.dll" run --config "$work/agent.yaml" >"$work/agent.log" 2>&1 &
pids+=($!)

# The application keeps changing its tables, from its own connection.
(
    i=3
    while true; do
        sqlite3 "$work/app.db" "INSERT OR REPLACE INTO device_state VALUES ($((i % 20)), '$([ $((i % 2)) = 0 ] && echo cooling || echo heating)', $((15 + i % 10)).5, NULL);
                                 UPDATE alarms SET note = 'seen $i' WHERE site = 'north';
                                 DELETE FROM device_state WHERE id = $(((i + 7) % 20));
                                 INSERT INTO readings VALUES ('north', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), $((18 + i % 7)).$((i % 10)), $((35 + i % 20)));" 2>/dev/null || true
        i=$((i + 1)); sleep 0.5
    done
) &
pids+=($!)

say "waiting for the first batches and their schema reviews"
for _ in $(seq 60); do
    [ "$(curl -sf "${auth[@]}" "$API/projects/$PROJECT/edge/schema-reviews?status=queued" | jq '.meta.total_items')" -ge 3 ] && break
    sleep 1
done
curl -sf "${auth[@]}" "$API/projects/$PROJECT/edge/lineages" | jq -r '.data[] | "   lineage \(.source_table) (\(.capture_strategy)): \(.status) \(.pause_reasons) staged=\(.staged_row_count)"'

approve() { # review id, column actions
    local version
    version=$(post "/projects/$PROJECT/edge/schema-reviews/$1/claim" | jq -r .data.action_version)
    post "/projects/$PROJECT/edge/schema-reviews/$1/approve" "{\"action_version\":$version,\"column_actions\":$2}" \
        | jq -r '"   approved \(.data.source_table) → \(.data.mirror_table_name)"'
}
for review in $(curl -sf "${auth[@]}" "$API/projects/$PROJECT/edge/schema-reviews?status=queued" | jq -r '.data[] | "\(.id):\(.source_table)"'); do
    case ${review#*:} in
        device_state) approve "${review%%:*}" '[{"source_column_name":"id","action":"mirror"},{"source_column_name":"mode","action":"mirror"},
            {"source_column_name":"setpoint","action":"map","data_point":"hvac.setpoint"},{"source_column_name":"firmware","action":"ignore"}]' ;;
        alarms) approve "${review%%:*}" '[{"source_column_name":"site","action":"mirror"},{"source_column_name":"code","action":"mirror"},
            {"source_column_name":"raised_at","action":"mirror"},{"source_column_name":"note","action":"mirror","mirror_column_name":"operator_note"}]' ;;
        readings) approve "${review%%:*}" '[{"source_column_name":"recorded_at","action":"mirror"},{"source_column_name":"sensor","action":"mirror"},
            {"source_column_name":"temperature","action":"mirror"},{"source_column_name":"humidity","action":"map","data_point":"room.humidity"}]' ;;
    esac
done

say "running for ${duration}s; the mirrors follow the database"
end=$((SECONDS + duration))
while [ $SECONDS -lt $end ]; do
    sleep 10
    curl -sf "${auth[@]}" "$API/projects/$PROJECT/edge/lineages" | jq -r '.data[] | "   \(.source_table): \(.status), \(if .last_batch_seq then "batch_seq \(.last_batch_seq)" else "watermark \(.server_watermark)" end), staged \(.staged_row_count)"'
done

LINEAGE=$(curl -sf "${auth[@]}" "$API/projects/$PROJECT/edge/lineages?source_table=device_state" | jq -r '.data[0].id')
cat <<TXT

Where to look (token: scripts/dev-token.sh --permissions PLATFORM_ADMIN):
  lineages       curl -H "Authorization: Bearer \$TOKEN" $API/projects/$PROJECT/edge/lineages
  mirror rows    curl -H "Authorization: Bearer \$TOKEN" $API/projects/$PROJECT/edge/lineages/$LINEAGE/mirror-rows
  events (SSE)   curl -N -H "Authorization: Bearer \$TOKEN" "$API/projects/$PROJECT/edge/events/stream?after=0"
  mirror tables  psql "\$EDGESYNC_PG" -c '\\dt edge_mirror.*'
  lineage board  http://localhost:$http_port/board (sign in once with the token)
  dashboard      http://localhost:$http_port/dashboard
  OpenAPI        http://localhost:$http_port/openapi/v1.json
TXT
READINGS=$(curl -sf "${auth[@]}" "$API/projects/$PROJECT/edge/lineages?source_table=readings" | jq -r '.data[0].id')
echo "readings in SQLite: $(sqlite3 "$work/app.db" 'SELECT count(*) FROM readings') rows; in the time-series mirror: $(curl -sf "${auth[@]}" "$API/projects/$PROJECT/edge/lineages/$READINGS/mirror-rows?limit=1" | jq .meta.total_items) rows"
echo "device_state in SQLite: $(sqlite3 "$work/app.db" 'SELECT count(*) FROM device_state') rows; in the mirror: $(curl -sf "${auth[@]}" "$API/projects/$PROJECT/edge/lineages/$LINEAGE/mirror-rows?limit=1" | jq .meta.total_items) rows"
