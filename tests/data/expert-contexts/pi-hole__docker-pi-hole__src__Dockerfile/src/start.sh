#!/bin/bash
crond
setcap CAP_NET_BIND_SERVICE,CAP_NET_RAW,CAP_NET_ADMIN+eip /usr/bin/pihole-FTL
exec capsh --user=pihole --keep=1 -- -c "/usr/bin/pihole-FTL no-daemon"
