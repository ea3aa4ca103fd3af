set -e
mkdir -p out
echo ok > out/result.txt
