#!/usr/bin/env bash
# Applies every database migration once and exits (the node's `migrate` command), against the
# PostgreSQL that scripts/run.sh would use (scripts/postgres.sh: EDGESYNC_PG if set and up,
# otherwise the private cluster). Arguments go to the command:
#
#   scripts/migrate.sh                                    Orleans tables, store schema, mirror schemas
#   scripts/migrate.sh --grant-runtime-role edgesync_rt   and the runtime rights for that role
#
# See docs/deployment.md.
set -euo pipefail

repo=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/postgres.sh
source "$repo/scripts/postgres.sh" --lib
edgesync_pg_ensure || { echo "migrate.sh: no PostgreSQL server; giving up" >&2; exit 1; }
export ConnectionStrings__EdgeSync="${ConnectionStrings__EdgeSync:-$EDGESYNC_PG}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$repo"
exec dotnet run --project src/Silo -c Release -- migrate "$@"
