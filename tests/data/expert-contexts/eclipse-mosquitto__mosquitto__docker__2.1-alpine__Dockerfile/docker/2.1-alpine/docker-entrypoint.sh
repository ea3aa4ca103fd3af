#!/bin/ash
set -e
if [ "$(id -u)" = "0" ]; then
	chown -R 1883:1883 /mosquitto/data
fi
exec "$@"
