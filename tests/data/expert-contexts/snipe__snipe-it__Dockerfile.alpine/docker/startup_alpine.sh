#!/bin/sh
chown -R apache:root /var/lib/snipeit/data
exec httpd -DNO_DETACH
