#!/bin/sh
ln -snf "/usr/share/zoneinfo/$TZ" /etc/localtime
find /etc/php*/ -name php.ini -exec sed -i "s#^;?date.timezone.*#date.timezone = $TZ#" {} \;
if [ -n "$CRON_MIN" ]; then
	crontab /etc/crontab.freshrss.default
fi
./cli/access-permissions.sh
exec "$@"
