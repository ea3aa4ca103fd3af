#!/usr/bin/dumb-init /bin/sh
set -e
if [ "$1" = 'consul' ]; then
    chown consul:consul /consul/data /consul/config
    set -- su-exec consul:consul "$@"
fi
exec "$@"
