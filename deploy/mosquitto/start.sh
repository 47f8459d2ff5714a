#!/bin/sh
# Creates the dynamic security state (administrator `admin`) on the first start, then runs the broker.
set -eu
state=/mosquitto/data/dynsec.json
if [ ! -f "$state" ]; then
    mosquitto_ctrl dynsec init "$state" admin "$MQTT_ADMIN_PASSWORD"
    chown mosquitto:mosquitto "$state"
fi
exec mosquitto -c /mosquitto/config/mosquitto.conf
