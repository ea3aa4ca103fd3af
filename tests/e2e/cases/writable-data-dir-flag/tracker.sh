#!/bin/sh
# A service that keeps its state in the folder --data-dir names and its cache where
# TRACKER_CACHE_DIR says, making both at start (as many programs do).
set -eu
dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --data-dir) dir=$2; shift 2 ;;
        *) shift ;;
    esac
done
mkdir -p "$dir" "$TRACKER_CACHE_DIR/index"
echo "started by $(id -u)" >> "$dir/state.db"
echo cached > "$TRACKER_CACHE_DIR/index/entry"
cat "$dir/state.db"
