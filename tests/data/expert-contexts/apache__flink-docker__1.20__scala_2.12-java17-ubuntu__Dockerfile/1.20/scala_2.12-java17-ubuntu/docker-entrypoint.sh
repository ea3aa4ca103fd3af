#!/usr/bin/env bash
if [ "$(id -u)" = "0" ]; then
    exec gosu flink "$FLINK_HOME/bin/jobmanager.sh" start-foreground "$@"
fi
exec "$FLINK_HOME/bin/jobmanager.sh" start-foreground "$@"
