#!/bin/sh
set -e
echo "worker started as $(id -u)" >> /var/log/worker/worker.log
while :; do sleep 1; done
