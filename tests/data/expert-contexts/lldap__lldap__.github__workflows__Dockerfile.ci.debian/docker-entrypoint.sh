#!/usr/bin/env bash
set -e
if [ "$(id -u)" = "0" ]; then
  find /data \! -user "$UID" -exec chown "$UID:$GID" {} +
  exec gosu "$UID:$GID" /app/lldap "$@"
fi
exec "$@"
