#!/bin/bash
set -e
if [ "$(id -u)" = '0' ]; then
	chown -R couchdb:couchdb /opt/couchdb/data
	exec setpriv --reuid=couchdb --regid=couchdb --clear-groups "$@"
fi
exec "$@"
