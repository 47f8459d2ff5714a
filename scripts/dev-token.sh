#!/usr/bin/env bash
# Mints a development bearer token for the EdgeSync HTTP API, signed with Auth:SigningKey from
# src/Silo/appsettings.json (plus appsettings.{ASPNETCORE_ENVIRONMENT}.json and environment
# overrides such as Auth__SigningKey). Only the token goes to stdout:
#
#   TOKEN=$(scripts/dev-token.sh --permissions PLATFORM_ADMIN)
#   TOKEN=$(scripts/dev-token.sh --permissions "$PROJECT:PROJECT_CAN_MANAGE_DEVICES" --subject alice --hours 2)
#   curl -H "Authorization: Bearer $TOKEN" http://localhost:5080/core/api/v1/projects/$PROJECT
#
# Options: --permissions P1,P2 (PLATFORM_ADMIN or {project_id}:PROJECT_CAN_VIEW_DEVICES /
# {project_id}:PROJECT_CAN_MANAGE_DEVICES), --subject NAME (default dev), --hours H (default 12).
set -euo pipefail

root=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
config=${DEV_TOKEN_CONFIGURATION:-Release}

# Build quietly; build output (and errors) go to stderr so stdout carries only the token.
if ! build_log=$(dotnet build "$root/src/Silo" -c "$config" -nologo -v quiet 2>&1); then
    printf '%s\n' "$build_log" >&2
    echo "dev-token.sh: build failed" >&2
    exit 1
fi

# Run from the project folder: the host reads appsettings.json from its content root (the
# working directory); no launch profile, so `dotnet run` prints nothing of its own.
cd "$root/src/Silo"
exec dotnet run --project "$root/src/Silo" -c "$config" --no-build --no-launch-profile -- dev-token "$@"
