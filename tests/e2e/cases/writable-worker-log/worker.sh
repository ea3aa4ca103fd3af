set -e
date > last-run.dump          # its working folder
echo ran >> /var/log/worker/worker.log
cat last-run.dump /var/log/worker/worker.log
