#!/bin/sh
# Run once by the postgres image on an empty data directory: the login role the nodes use.
# It gets its rights from `EdgeSync.Silo migrate --grant-runtime-role` (docs/deployment.md).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="$EDGESYNC_RUNTIME_ROLE" -v password="$EDGESYNC_RUNTIME_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
\gexec
SQL
