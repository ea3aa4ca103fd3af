#!/bin/sh
set -e
cat > /etc/pam.d/authelia-1fa <<CONF
auth required pam_authelia.so url=${AUTHELIA_URL}
CONF
exec /usr/sbin/sshd.pam -D -e
