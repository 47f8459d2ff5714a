#!/bin/sh
# The nodes' account edgesync-node, apart from the administrator (the plugin disconnects a client
# whose roles change): the admin role plus publishing on every device's control topic. Idempotent.
set -eu
ctrl() { mosquitto_ctrl -h "${MQTT_HOST:-mosquitto}" -p "${MQTT_PORT:-1883}" -u admin -P "$MQTT_ADMIN_PASSWORD" dynsec "$@"; }
if ctrl getClient edgesync-node 2>&1 | grep -q '^Username:'; then
    echo "edgesync-node exists"
    exit 0
fi
ctrl createRole edgesync-node
ctrl addRoleACL edgesync-node publishClientSend '+/+/sync/ingest/control' allow
ctrl createClient edgesync-node -p "$MQTT_NODE_PASSWORD"
ctrl addClientRole edgesync-node admin
ctrl addClientRole edgesync-node edgesync-node
echo "edgesync-node created"
