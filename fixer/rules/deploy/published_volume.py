"""published-data-volume: users of the published image keep its data in a volume the root image filled.

The repository's docs or compose files run the image by the name it is published under (not built
from the checkout) with a named volume (`-v appdata:/data`, compose `appdata:/data`, `--mount
source=appdata,target=/data`) on a folder the image declares as a `VOLUME`, and with no non-root `--user`/`user:`: that is how its users install it and upgrade it in place (`docker pull`, recreate the
container, keep the volume). Every installation made with the current image holds its data there
owned by root (databases, keys, uploads written by the root program, files `docker cp` put in),
and the new image's user cannot write them after the upgrade: the program fails on its first write
or refuses to start. The change needs a migration the maintainer chooses (an entrypoint that chowns
the volume and then drops to the user, or a major release with a note), not a USER alone. The
reason names the run's file and line.

Not this rule's: host folders (`-v /srv/app:/data`: the operator chooses and owns them; a warning on
the fix), a compose service that builds the image from the checkout (bind-mounted-data and the
fix's warnings), the caller's checkout mounted into a tool (tool-on-checkout), and volumes on
folders the image does not declare: the fix makes those folders and hands them to the new user (a
new volume takes their owner); the labelled sets judged such images fixable.
"""

from __future__ import annotations

import posixpath
import re

from . import ROOT_USER_RE, runs, under, volumes

# a named volume (`appdata`, `app_data`), not a host path (`/srv/app`, `./data`, `~/app`, `$PWD/x`)
NAMED_VOLUME_RE = re.compile(r"^[A-Za-z0-9][\w.-]*$")

NAME = "published-data-volume"
SUMMARY = "The docs run the published image with a named volume on its VOLUME: installations upgrading from the root image keep root-owned data there."
EXAMPLE = "# README.md\ndocker run -d -v appdata:/data -p 8080:8080 acme/app  # the Dockerfile: VOLUME /data"


def kept_volume(ctx, r) -> tuple[str, str, str] | None:
    """(source, container, VOLUME) of a persistent volume one run keeps on a VOLUME of the image."""
    if r.kind not in ("docker-run", "compose") or r.dockerfile is not None or r.run_as_user is not None \
            or (r.user is not None and not ROOT_USER_RE.match(r.user.strip())):
        return None
    vols = [posixpath.normpath(v) for v in volumes(ctx.an) if "$" not in v]
    vols = [v for v in vols if v != "/" and not under(v, "/tmp")]
    for src, cont in r.volume_targets:
        if not src or not cont.startswith("/") or not NAMED_VOLUME_RE.match(src) or src.lower().endswith(":ro"):
            continue  # a host folder (the operator's choice: a warning on the fix) or the caller's checkout
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
            return (f"{r.where} runs the published image {r.image} with the named volume {src} on {cont} (its VOLUME {vol}): "
                    f"installations upgrading from the current image keep their data there owned by root, which a new "
                    f"user cannot write; the change needs a migration (an entrypoint that chowns the volume, or a "
                    f"release note), not a USER alone")
    return None
