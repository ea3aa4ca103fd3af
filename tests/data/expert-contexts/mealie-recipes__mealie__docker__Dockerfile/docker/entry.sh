#!/bin/bash
if [ "$(id -u)" = "0" ]; then
    usermod -o -u "${PUID:-911}" abc
    chown -R "${PUID:-911}" /app
    exec gosu "${PUID:-911}" "$0" "$@"
fi
exec python /app/mealie/main.py
