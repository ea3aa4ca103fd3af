#!/bin/bash
if [ -d /usr/local/nvidia/lib64 ]; then
    echo /usr/local/nvidia/lib64 >/etc/ld.so.conf.d/nvidia-host.conf
    ldconfig
fi
exec text-embeddings-router-80 "$@"
