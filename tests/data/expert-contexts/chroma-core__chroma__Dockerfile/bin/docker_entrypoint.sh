#!/bin/bash
set -e
export IS_PERSISTENT=1
exec uvicorn chromadb.app:app "$@"
