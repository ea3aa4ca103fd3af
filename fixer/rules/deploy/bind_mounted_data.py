"""bind-mounted-data: the repository's compose file (or a Kubernetes hostPath) bind-mounts a host
folder over the folder the program writes.

A compose service of the repository that builds or runs this image and bind-mounts a host folder
given by a relative path (`./data:/data`, `./storage:/app`; not `:ro`, not a named volume) onto
a folder the image declares for its data (a `VOLUME`), onto its working folder, or onto a folder
a RUN makes writable for every user (`chmod -R a+w /opt/app/config`: the build prepared it for
the program's writes): the host folder replaces the image's folder, so the `chown` a fix gives the new user is hidden. On the
first `docker compose up` the daemon creates a missing host folder owned by root, and an existing
one keeps its owner (root, when the root container wrote it, or the uid of whoever cloned the
repository): a uid baked into the image cannot write either, and the program fails to save its
database, uploads or keys. The change cannot be shown safe from the Dockerfile alone: the compose
file needs `user:` (or the operator a `chown` of the host folder) in the same change.

The same for a Kubernetes manifest of the repository that mounts a `hostPath` volume there and
sets no `runAsUser` (the kubelet creates a missing hostPath folder owned by root, and `fsGroup`
does not apply to hostPath volumes).

The same for a compose bind mount onto a folder inside the working folder named for what a
program writes (`./uploads:/usr/src/app/uploads`, `./data:/app/data`, `./logs:/app/logs`). Mounts
onto other folders under the working folder, and `docker run` lines in the docs, stay a warning on
the fix: nothing shows the program writes there, or the operator chooses the host folder.
"""

from __future__ import annotations

import posixpath
import re

from ...repository.commands import file_mount
from . import HOST_SYSTEM_RE, ROOT_USER_RE, runs, under, volumes, workdir

# the folders a program keeps its writes in (`uploads`, `data`, `logs`): a host folder mounted there
# in the working folder is where it writes (the same names writable.py hands over)
DATA_NAMES = frozenset(("uploads", "upload", "media", "data", "db", "database", "log", "logs", "storage", "state",
                        "sessions", "files", "backups", "output", "outputs", "downloads", "instance", "db-data"))

NAME = "bind-mounted-data"
SUMMARY = "The repository's compose file (or a Kubernetes hostPath) bind-mounts a host folder over the image's VOLUME, working folder or a folder it makes world-writable: the new user's chown is hidden."
EXAMPLE = "# docker-compose.yml\nservices:\n  app:\n    build: .\n    volumes: ['./data:/data']  # the Dockerfile: VOLUME /data"


# a RUN that makes a folder writable for every user (`chmod -R a+w /opt/app/config`, `chmod 777 /data`):
# the build prepared it for the program to write as whatever user runs it
WORLD_WRITABLE_RE = re.compile(r"\bchmod\s+(?:-[A-Za-z]+\s+)*(?:[ugo]*a[ugo]*\+[rwxX]*w[rwxX]*|[ug]*o[ug]*\+[rwxX]*w[rwxX]*"
                               r"|0?[0-7]?[0-7][0-7][2367])\s+((?:/[\w.@%+-]+)+/?(?:\s+/[\w.@%+/-]+)*)")


def writable_folders(an) -> list[tuple[str, int]]:
    """(folder, line) of the folders a RUN of the final stage's chain makes writable for every user."""
    out = []
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd == "run" and "chmod" in inst.original:
                for m in WORLD_WRITABLE_RE.finditer(inst.original):
                    out += [(posixpath.normpath(p), inst.start_line) for p in m.group(1).split()]
    return out


def hidden_data(ctx, r) -> tuple[str, str, str] | None:
    """(host, container, what) of a compose bind mount of a checkout folder that hides a VOLUME
    or the working folder of the image."""
    if r.kind not in ("compose", "kubernetes") or r.init or r.run_as_user is not None \
            or (r.user is not None and not ROOT_USER_RE.match(r.user.strip())):
        return None
    wd = workdir(ctx.an)
    vols = [posixpath.normpath(v) for v in volumes(ctx.an)]
    for host, cont in r.mounts:
        if (host, cont) in r.read_only or under(cont, "/root") or HOST_SYSTEM_RE.match(host):
            continue
        if r.kind == "compose" and not host.startswith("."):
            continue  # an absolute folder in compose: the operator's choice, a warning on the fix
        for v in vols:
            if v != "/" and under(v, cont):
                return host, cont, f"the image's VOLUME {v}"
        if wd and wd != "/" and under(wd, cont):
            return host, cont, f"the image's working folder {wd}"
        for folder, line in writable_folders(ctx.an):
            if folder != "/" and not under(folder, "/tmp") and under(folder, cont):
                return host, cont, f"{folder}, which line {line} makes writable for the program"
        name = posixpath.basename(posixpath.normpath(cont)).lower()
        if wd and wd != "/" and under(cont, wd) and cont.rstrip("/") != wd and name in DATA_NAMES \
                and not file_mount(host, cont):
            return host, cont, f"{cont}, the folder for {name} in its working folder {wd}"
    return None


def check(ctx) -> str | None:
    for r in runs(ctx):
        found = hidden_data(ctx, r)
        if found:
            host, cont, what = found
            where = f"{r.where.file}:{r.mount_lines.get((host, cont), r.where.line)}"
            return (f"{where} bind-mounts {host} over {cont} ({what}), where the program writes: the host folder "
                    f"hides the chown a fix would add, and is owned by root (created by the daemon) or by whoever "
                    f"cloned the repository, so a new user could not write it; change the compose file in the same "
                    f"change (`user:`, or a named volume) and run dockerfix with --force {NAME}")
    return None
