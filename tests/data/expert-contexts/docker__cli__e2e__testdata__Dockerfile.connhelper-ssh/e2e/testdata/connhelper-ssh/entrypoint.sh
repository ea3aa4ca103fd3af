#!/bin/sh
set -e
chown -R penguin:penguin /home/penguin
/usr/sbin/sshd
exec dockerd-entrypoint.sh "$@"
