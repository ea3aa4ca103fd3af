#!/bin/bash
sed -i "s/wal_level =.*$//g" "$PGDATA/postgresql.conf"
docker-entrypoint.sh postgres
