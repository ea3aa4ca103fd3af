"""How the repository runs the image: compose, Kubernetes and Helm, `docker run` lines (read by
the repository model, `fixer.repository`)."""

from __future__ import annotations

import os
import re

from ...repository.deployment import under, volumes, workdir  # noqa: F401 (used by the rules)

ROOT_USER_RE = re.compile(r"^(?:root|0)(?::.*)?$")
# folders of the host that only root reads or writes: an agent that mounts them is a host agent
# (world-readable files such as /etc/localtime, /etc/timezone or /usr/share/zoneinfo are not)
HOST_SYSTEM_RE = re.compile(r"^/(?:$|etc/?$|var/log|var/lib|var/cache|proc|sys|dev|run|var/run|boot|lib/modules|root)(?:/|$)")
INIT_RE = re.compile(r"(?:^|[\s/])(?:init|boot|my_init|runsvdir|systemd|s6-svscan|supervisord)(?:\s|$)")


def runs(ctx) -> list:
    """The repository's runs of the image this Dockerfile's final stage builds."""
    repo = ctx.repository
    if repo is None or ctx.path is None:
        return []
    return repo.runs_of(os.path.realpath(ctx.path), ctx.an.final.name)

