# a service that files uploads by day under a folder made by mkdir -p, and logs in its working folder
set -e
mkdir -p /data/uploads/today
echo upload > /data/uploads/today/file
echo started >> server.log
echo ok
