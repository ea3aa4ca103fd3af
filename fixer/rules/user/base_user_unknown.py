"""base-user-unknown: the base image is not known to dockerfix and nothing proves it runs as root.

A Dockerfile without USER runs as whatever its base image says. When images.toml does not name
the base (a private registry, a vendor's image, `FROM ${BASE}` without a default, an image built
elsewhere in the same repository), an inserted `RUN useradd` may run as the base's own non-root
user and fail the build. So dockerfix fixes such a file only when the build PROVES the base runs as
root: a RUN with no USER before it, in the final stage's chain or in another stage FROM the same
base, that could only have succeeded as root (`proves` in data/commands.toml: a package install, useradd,
chown to root, writing /usr/bin or /etc/apt, `mkdir /app`; not `pip install`, `npm ci` or an
unknown program, which prove nothing). Signs that it runs as someone else are named in the reason.

An image built by another Dockerfile of the same repository (`FROM ghcr.io/acme/app-base`, built
from `docker/Dockerfile.base`) is known from that file: when its final stage runs as root, on a
base known or proved to, so does this one.

`ARG BASE=debian:bookworm` + `FROM ${BASE}` is judged by its default, which is what is built
(`--build-arg` can change it; the labelled set has no such file left for this rule).
"""

from __future__ import annotations

import posixpath

from ... import images
from ...stages import Stage, is_root_user, stage_proofs

NAME = "base-user-unknown"
SUMMARY = "The base image is not known to dockerfix and no step proves it runs as root: a RUN useradd could fail."
EXAMPLE = "FROM vendor/app-server:1\nCOPY --chown=1001:0 config/ /config/"


def _key(stage: Stage) -> str:
    root = stage.root
    return root.image if root.image is not None else "$" + root.image_raw


def _sibling_proofs(ctx) -> list[tuple[int, str]]:
    """Proofs from stages outside the final chain built FROM the same base, before any USER."""
    an = ctx.an
    key = _key(an.final)
    out: list[tuple[int, str]] = []
    for s in ctx.stages.stages:
        if s in an.chain or _key(s) != key:
            continue
        for st in s.chain():
            if st in an.chain:
                continue
            out += stage_proofs(ctx.df, st)
            if any(i.cmd == "user" for i in st.instructions):
                break
    return out


def _signs(ctx) -> list[str]:
    """What in the file suggests the base runs as a non-root user."""
    an = ctx.an
    signs = []
    for stage in an.chain:
        for inst in stage.instructions:
            owner = inst.flag("chown") if inst.cmd in ("copy", "add") else None
            if owner and not is_root_user(owner):
                signs.append(f"{inst.keyword.upper()} --chown={owner} on line {inst.start_line} "
                             f"suggests it runs as {owner.split(':', 1)[0]}")
            elif inst.cmd == "workdir" and inst.value:
                parts = posixpath.normpath(inst.value[0]).split("/")
                if len(parts) >= 3 and parts[:2] == ["", "home"] and parts[2]:
                    signs.append(f"WORKDIR {inst.value[0]} on line {inst.start_line} suggests it runs as {parts[2]}")
    key = _key(an.final)
    for s in ctx.stages.stages:
        if s in an.chain or _key(s) != key:
            continue
        users = [i for i in s.instructions if i.cmd == "user" and i.value]
        for a, b in zip(users, users[1:]):
            if is_root_user(a.value[0]) and not is_root_user(b.value[0]):
                signs.append(f"stage {s.label} FROM the same base switches to USER root on line {a.start_line} "
                             f"and back to USER {b.value[0]} on line {b.start_line}")
                break
    return signs


def _parent_runs_as_root(ctx) -> bool:
    """The base is the repository's own image, and its Dockerfile shows it runs as root: no USER
    (or USER root) in its final stage, on a base known or proved to run as root (the same rule,
    up the chain of the repository's own images)."""
    found = ctx.parent()
    if found is None:
        return False
    up = found[0]
    return up.an.user.is_root is True and check(up) is None


def check(ctx) -> str | None:
    an = ctx.an
    if an.user.line is not None or an.user.is_root is not True:
        return None  # a USER in the file decides who runs it
    if not an.image.shell or an.image.family in ("scratch", "windows"):
        return None  # nothing is run in the image: a numeric USER (or ContainerUser) needs no proof
    if images.known(an.base_image) or an.image.user_known:
        return None  # images.toml or the image's own configuration says it runs as root
    if an.root_proofs or _sibling_proofs(ctx):
        return None
    if _parent_runs_as_root(ctx):
        return None
    raw = an.chain[0].image_raw
    if an.base_image is None:
        what = f"the base image {raw} (${{{an.base_unresolved}}} has no default) is not known to dockerfix"
    else:
        what = f"base image {an.base_image} is not known to dockerfix"
    anchor = an.final.from_inst.end_line
    for rr in an.root_runs:
        anchor = max(anchor, rr.inst.end_line)
    reason = (f"{what} and nothing in the stage proves it runs as root (no package install, useradd or other "
              f"root-only step with no USER before it, up to line {anchor}): an inserted RUN useradd may fail")
    signs = _signs(ctx)
    if signs:
        reason += "; " + "; ".join(signs)
    return reason
