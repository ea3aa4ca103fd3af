#!/bin/sh
if [ "$(id -u)" != 0 ]; then
  exec authelia "$@"
fi
chown -R "${PUID}:${PGID}" /config
exec su-exec "${PUID}:${PGID}" authelia "$@"
