#!/usr/bin/env bash
set -e
# register qemu handlers for foreign architectures (needs root / --privileged)
/usr/bin/binfmt --install all
# optional extra packages requested on the command line
if [ -n "${EXTRA_PACKAGES:-}" ]; then
    apt-get update && apt-get install -y $EXTRA_PACKAGES
fi
exec /bin/packer "$@"
