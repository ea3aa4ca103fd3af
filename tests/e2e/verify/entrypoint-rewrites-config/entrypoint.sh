#!/bin/sh
# sets the database host in the program's own configuration, then starts it: when the rewrite
# fails the program still starts, with its default host
sed -i "s/^host=.*/host=${DB_HOST:-db.internal}/" conf/app.conf
exec "$@"
