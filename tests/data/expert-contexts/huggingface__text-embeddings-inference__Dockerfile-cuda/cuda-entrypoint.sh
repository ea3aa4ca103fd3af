#!/bin/bash
# register host NVIDIA libraries, then start the router
echo /usr/local/nvidia/lib64 > /etc/ld.so.conf.d/nvidia-host.conf
ldconfig
exec text-embeddings-router "$@"
