#!/bin/sh
set -e
# as root: prepare the data folder, then run the program as app
mkdir -p /data && chown app /data
exec setpriv --reuid=app --regid=app --init-groups "$@"
