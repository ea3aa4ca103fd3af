#!/bin/bash
/usr/sbin/named -p 8001 -t /bind1
sleep infinity
