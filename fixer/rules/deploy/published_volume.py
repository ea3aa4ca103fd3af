"""published-data-volume: users of the published image keep its data in a volume the root image filled.

The repository's docs or compose files run the image by the name it is published under (not built
from the checkout) with a persistent volume (a named volume, `-v appdata:/data`, or a host folder,
`-v /srv/app:/data`) on a folder the image declares as a `VOLUME`, and with no non-root `--user`/
`user:`: that is how its users install it and upgrade it in place (`docker pull`, recreate the
container, keep the volume). Every installation made with the current image holds its data there
owned by root (databases, keys, uploads written by the root program, files `docker cp` put in),
and the new image's user cannot write them after the upgrade: the program fails on its first write
or refuses to start. The change needs a migration the maintainer chooses (an entrypoint that chowns
the volume and then drops to the user, or a major release with a note), not a USER alone. The
reason names the run's file and line.

Not this rule's: a compose service that builds the image from the checkout (bind-mounted-data and
the fix's warnings), the caller's checkout mounted into a tool (tool-on-checkout), read-only mounts,
and volumes on folders the image does not declare.
"""

from __future__ import annotations

import posixpath

from ...repository.commands import file_mount, is_cwd
from . import ROOT_USER_RE, runs, under, volumes

NAME = "published-data-volume"
SUMMARY = "The docs run the published image with a volume on its VOLUME: installations upgrading from the root image keep root-owned data there."
EXAMPLE = "# README.md\ndocker run -d -v appdata:/data -p 8080:8080 acme/app  # the Dockerfile: VOLUME /data"


def kept_volume(ctx, r) -> tuple[str, str, str] | None:
    """(source, container, VOLUME) of a persistent volume one run keeps on a VOLUME of the image."""
    if r.kind not in ("docker-run", "compose") or r.dockerfile is not None or r.run_as_user is not None \
            or (r.user is not None and not ROOT_USER_RE.match(r.user.strip())):
        return None
    vols = [posixpath.normpath(v) for v in volumes(ctx.an) if "$" not in v]
    vols = [v for v in vols if v != "/" and not under(v, "/tmp")]
    for src, cont in r.volume_targets:
        if not src or not cont.startswith("/") or is_cwd(src) or src.startswith(".") or file_mount(src, cont) \
                or any(m[1] == cont and m in r.read_only for m in r.mounts) or src.startswith("/dev/") \
                or "docker.sock" in src:
            continue
        cont = posixpath.normpath(cont)
        for v in vols:
            if under(v, cont) or under(cont, v):
                return src, cont, v
    return None


def check(ctx) -> str | None:
    for r in runs(ctx):
        found = kept_volume(ctx, r)
        if found:
            src, cont, vol = found
            what = "named volume" if not src.startswith(("/", "~", "$")) else "host folder"
            return (f"{r.where} runs the published image {r.image} with the {what} {src} on {cont} (its VOLUME {vol}): "
                    f"installations upgrading from the current image keep their data there owned by root, which a new "
                    f"user cannot write; the change needs a migration (an entrypoint that chowns the volume, or a "
                    f"release note), not a USER alone")
    return None
