"""build-arg-base-no-shell: the repository builds the final stage on a base with no shell.

The final stage's base is chosen by a build argument (`ARG FINAL_BASE=python:3.14-slim` +
`FROM ${FINAL_BASE}`), and a build of this Dockerfile in the repository (a CI step's `build-args`,
a `docker build --build-arg` in a script or Makefile, a bake target's `args`) passes a base that
has no shell: a distroless, Chainguard or chiseled image (the knowledge file's `shell = false`),
`scratch`, or a Docker Hardened Image's runtime variant (`dhi.io/python:3.14-debian13`; only its
`-dev` variants carry a shell and a package manager). The fix dockerfix makes for the default base
inserts a shell `RUN` that creates the user, and that build then fails. Make the user in the
build stage (or use the hardened base's own non-root user) and run dockerfix with --force NAME.
A base that itself has no shell already gets a plain `USER uid:gid`, which builds on any base: not
this rule's.
"""

from __future__ import annotations

import os
import re

NAME = "build-arg-base-no-shell"
SUMMARY = "The repository's build passes the final stage's base ARG an image with no shell (distroless, hardened, scratch): the inserted RUN would fail."
EXAMPLE = ("ARG FINAL_BASE=python:3.14-slim\nFROM ${FINAL_BASE}\n"
           "# .github/workflows/publish.yml: build-args: FINAL_BASE=gcr.io/distroless/python3-debian12")

ARG_RE = re.compile(r"\$\{?(\w+)(?::?-[^}]*)?\}?")
# Docker Hardened Images: runtime variants have no shell or package manager, `-dev` variants do
# (https://docs.docker.com/dhi/core-concepts/distroless/); on dhi.io, or mirrored as `org/dhi-NAME`
HARDENED_REGISTRIES = ("dhi.io",)


def no_shell(image: str) -> str | None:
    """Why `image` has no shell, or None (a shell, or not known)."""
    from ...images import lookup, parse_ref

    if image.lower() == "scratch":
        return "scratch, the empty image"
    try:
        ref = parse_ref(image)
    except Exception:  # noqa: BLE001 - an odd name is no evidence
        return None
    tag = (ref.tag or "latest").lower()
    hardened = ref.registry in HARDENED_REGISTRIES or ref.path.rsplit("/", 1)[-1].startswith("dhi-")
    if hardened and "dev" not in tag.split("-"):
        return "a Docker Hardened Image runtime variant (no shell; only -dev variants have one)"
    if hardened:
        return None
    info = lookup(image)
    if info.shell is False and info.matched:
        return f"an image the knowledge file says has no shell ({info.matched})"
    return None


def check(ctx) -> str | None:
    raw = ctx.an.chain[0].image_raw if ctx.an.chain else None
    m = ARG_RE.search(raw or "")
    if not m or ctx.path is None or ctx.image.shell is False:
        return None  # a fixed base, or a fix with no RUN (it builds on any base)
    repo = ctx.repository
    if repo is None:
        return None
    var = m.group(1)
    for b in repo.builds_of(os.path.realpath(ctx.path)):
        value = b.args.get(var)
        if not value or "$" in value:
            continue
        image = raw[:m.start()] + value + raw[m.end():]
        why = no_shell(image)
        if why:
            return (f"{b.where} builds it with {var}={value}, {why}: the RUN that creates the new user fails in "
                    f"that build; create the user in a build stage, or use the base's own non-root user")
    return None
